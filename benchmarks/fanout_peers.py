"""Live fan-out against its peers, in one run: CityLoop, a bare Flask-SocketIO server and Node.

Run from the repository root (Node's peer needs ``npm ci --prefix benchmarks/node-peer``):

    nice -n 10 .venv/bin/python benchmarks/fanout_peers.py              # N = 2000, K = 10, 2 rounds
    nice -n 10 .venv/bin/python benchmarks/fanout_peers.py --clients 1000 --rounds 1 --deflate
    nice -n 10 .venv/bin/python benchmarks/fanout_peers.py --peers cityloop bare \\
        bare@gevent-websocket --alt-path /tmp/live-alt      # another websocket stack
    nice -n 10 .venv/bin/python benchmarks/fanout_peers.py --clients 1000 --peers cityloop \\
        cityloop@uwsgi cityloop@eventlet bare bare@uwsgi bare@eventlet node --alt-path /tmp/live-alt

Each round starts, one after the other and each on its own: (a) ``cityloop``, CityLoop served
as ``scripts/serve-production`` serves it (gunicorn, one gevent worker; SQLite in a temporary
folder, as ``benchmarks/fanout.py``); (b) ``bare``, ``benchmarks/fanout_bare.py``, Flask-SocketIO
with nothing but a room, under the same gunicorn command; (c) ``node``, socket.io 4.8
(``benchmarks/node-peer/server.js``). N clients (python-socketio ``AsyncClient``, websocket
transport, in a child process ``--client-nice`` levels nicer than the servers, so that the
clients do not starve them) connect and subscribe to one room; then K broadcasts of the
same payload go to it one after the other, each once all clients had the one before:
CityLoop's are public replies POSTed on the case (the request, its SQL and its commit count
as its cost), the peers' are ``POST /emit`` with the ``case.event`` payload that CityLoop's
first reply sent, byte for byte.

Reported per peer: server CPU ms per broadcast (utime + stime of every server process, from
/proc/<pid>/stat, around the K broadcasts), delivery latency p50/p99 (from just before the
POST to each receipt), % delivered, seconds to connect and subscribe the N clients, the
servers' RSS growth per socket once they sit connected and subscribed (and after the
broadcasts), their CPU ms per second while the N sockets sit idle (over 3 s, after the memory
reading: a stack that wakes each socket on a timer pays it there, and in the broadcasts'
window too), and the ratios to Node and to the bare server, with the load average.

``name@stack`` runs a Python peer on another websocket stack that Flask-SocketIO supports
(``--alt-path``: folders put first on PYTHONPATH, holding the extra packages the stack needs,
so that .venv stays as it is; e.g. ``pip install --no-deps --target /tmp/live-alt
gevent-websocket eventlet dnspython uwsgi``):

- ``simple-websocket``: gunicorn's gevent worker with simple-websocket (production's, the
  default when no stack is named);
- ``gevent-websocket``: gevent-websocket's gunicorn worker;
- ``uwsgi``: uWSGI, one worker on its gevent loop (``--gevent 20000
  --gevent-early-monkey-patch``), websockets by uWSGI's native handshake and framing (async mode
  ``gevent_uwsgi``), HTTP parsed by the worker itself (``--http-socket``);
- ``uwsgi-router``: the same behind uWSGI's HTTP router process (``--http
  --http-websockets``, Flask-SocketIO's deployment example), whose CPU counts too;
- ``eventlet``: eventlet's own WSGI server (``benchmarks/serve_eventlet.py``: gunicorn 27
  has no eventlet worker), async mode ``eventlet``.

The uwsgi binary is ``--uwsgi``, else ``bin/uwsgi`` in an ``--alt-path`` folder, else the
one on PATH (``pip install uwsgi`` builds it; it needs a C compiler and Python's headers).
Peer ``before`` is CityLoop from another checkout (``--before``, e.g. a ``git worktree`` of
main), served the same way: before and after a change in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from benchmarks.common import load_average, machine  # noqa: E402

NODE_PEER = ROOT / "benchmarks" / "node-peer"
EVENT = "case.event"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
IDLE_S = 3.0  # the window in which the servers' CPU with N idle sockets is read

# The server and Flask-SocketIO async mode of each Python websocket stack: gunicorn's worker
# class, or "uwsgi" (its gevent loop and native websocket) or "eventlet" (eventlet's server).
STACKS = {
    "simple-websocket": ("gevent", "gevent"),
    "gevent-websocket": ("geventwebsocket.gunicorn.workers.GeventWebSocketWorker", "gevent"),
    "uwsgi": ("uwsgi", "gevent_uwsgi"),
    "uwsgi-router": ("uwsgi", "gevent_uwsgi"),
    "eventlet": ("eventlet", "eventlet"),
}
CONNECTIONS = 20000  # greenlets (websockets + requests) per server, gunicorn's and the others'


def find_uwsgi(args) -> str | None:
    """``--uwsgi``, else a ``bin/uwsgi`` in an ``--alt-path`` folder (``pip install --target``
    puts it there), else the one on PATH."""
    if args.uwsgi:
        return args.uwsgi
    for folder in (args.alt_path or "").split(os.pathsep):
        if folder and (Path(folder) / "bin" / "uwsgi").exists():
            return str(Path(folder) / "bin" / "uwsgi")
    return shutil.which("uwsgi")


# --- the servers' processes ------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (gunicorn: the arbiter and its worker)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo += [int(p) for p in children.read_text().split()]
    return pids


def cpu_ms(pids: list[int]) -> float:
    """utime + stime of ``pids`` so far, in ms (a process that has gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total * TICK_MS


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))  # fmt: skip
    return total


class Peer:
    """One server under test: started fresh for each round, stopped after it."""

    def __init__(self, spec: str, port: int, city: dict, args):
        self.spec = spec
        self.name, _, stack = spec.partition("@")
        self.stack = stack or "simple-websocket"
        self.port, self.city, self.alt_path = port, city, args.alt_path
        self.uwsgi = find_uwsgi(args) if self.stack.startswith("uwsgi") else None
        self.is_cityloop = self.name in ("cityloop", "before")
        self.root = Path(args.before) if self.name == "before" else ROOT
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> tuple[list[str], dict]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLOOP_", "REDIS"))}
        env["PORT"] = str(self.port)
        if self.name == "node":
            return ["node", str(NODE_PEER / "server.js")], env
        worker, async_mode = STACKS[self.stack]
        env["SOCKETIO_ASYNC_MODE"] = async_mode
        if self.alt_path and self.stack != "simple-websocket":  # engineio picks what it finds
            env["PYTHONPATH"] = self.alt_path
        app = "benchmarks.fanout_bare:app"
        if self.is_cityloop:
            app = "wsgi:app"
            env |= {"DATABASE_URL": self.city["url"], "CITYLOOP_DATA_DIR": self.city["dir"],
                    "LOG_LEVEL": "ERROR", "RATELIMIT_ENABLED": "0"}  # fmt: skip
        if worker == "uwsgi":
            return self.uwsgi_command(app), env
        if worker == "eventlet":
            serve = str(ROOT / "benchmarks" / "serve_eventlet.py")
            command = [str(ROOT / ".venv/bin/python"), serve, "--port", str(self.port),
                       "--connections", str(CONNECTIONS), app]  # fmt: skip
            return command, env
        # scripts/serve-production's gunicorn command, access log included.
        command = [
            str(ROOT / ".venv/bin/gunicorn"), "--worker-class", worker, "--workers", "1",
            "--worker-connections", str(CONNECTIONS), "--bind", f"127.0.0.1:{self.port}",
            "--no-control-socket", "--graceful-timeout", "30", "--timeout", "60",
            "--access-logfile", "-", "--error-logfile", "-", app,
        ]  # fmt: skip
        return command, env

    def uwsgi_command(self, app: str) -> list[str]:
        """uWSGI as Flask-SocketIO's deployment notes run it: one worker on uWSGI's gevent
        loop, websockets through uWSGI's own handshake and framing (async mode
        ``gevent_uwsgi``), monkey-patched before the app loads, every request logged as
        gunicorn's access log does. ``uwsgi``: the worker parses HTTP itself
        (``--http-socket``, as gunicorn does); ``uwsgi-router``: uWSGI's HTTP router process
        in front (``--http --http-websockets``), its CPU counted with the worker's."""
        if not self.uwsgi:
            raise RuntimeError(f"{self.spec}: no uwsgi binary (--uwsgi, or pip install uwsgi)")
        module, _, attribute = app.partition(":")
        address = f"127.0.0.1:{self.port}"
        if self.stack == "uwsgi-router":
            bind = ["--http", address, "--http-websockets"]
        else:
            bind = ["--http-socket", address]
        return [
            self.uwsgi, *bind, "--master", "--workers", "1", "--gevent", str(CONNECTIONS),
            "--gevent-early-monkey-patch", "--module", module, "--callable", attribute,
            "--home", str(ROOT / ".venv"), "--pythonpath", str(self.root), "--need-app",
            "--listen", "1024", "--die-on-term",
        ]  # fmt: skip

    def start(self) -> None:
        command, env = self.command()
        self.process = subprocess.Popen(
            command, cwd=self.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        import requests

        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.spec} exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.spec} did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


# --- the clients (a child process, nicer than the servers) -------------------------------


async def broadcast(http, peer: dict, payload: dict | None) -> None:
    """One broadcast: a public reply on CityLoop's case, ``POST /emit`` on the peers."""
    if peer["is_cityloop"]:
        body = {"body": f"Crew on the way ({time.time():.3f})."}
        path = f"{peer['url']}/api/v1/cases/{peer['case_id']}/comments"
        headers = {"Authorization": f"Bearer {peer['token']}"}
        async with http.post(path, json=body, headers=headers) as answer:
            assert answer.status == 201, await answer.text()
    else:
        body = {"room": peer["room"], "event": EVENT, "payload": payload}
        async with http.post(f"{peer['url']}/emit", json=body) as answer:
            assert answer.status == 200, await answer.text()


def start_profiler(peer: dict, pids: list[int]) -> subprocess.Popen | None:
    """``--py-spy``: sample the server's last process (gunicorn's worker) during the
    broadcasts, into <folder>/<peer>.txt (collapsed stacks)."""
    if not peer.get("py_spy") or peer["name"] == "node":
        return None
    output = Path(peer["py_spy_dir"]) / f"{peer['spec']}-{peer['clients']}.txt"
    command = [peer["py_spy"], "record", "--pid", str(pids[-1]), "--format", "raw",
               "--rate", "200", "--output", str(output)]  # fmt: skip
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached
    return profiler


def stop_profiler(profiler: subprocess.Popen | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)
        profiler.wait(timeout=60)


async def measure_clients(peer: dict) -> dict:
    import aiohttp

    from benchmarks.fanout import connect_all, percentile, subscribe_all

    n, k, pids = peer["clients"], peer["broadcasts"], process_tree(peer["pid"])
    received: list = []  # (time, payload) of each case.event
    frames: list = []
    payload_file = Path(peer["payload_file"])
    payload = None if peer["is_cityloop"] else json.loads(payload_file.read_text())
    options = {"compress": 15} if peer["deflate"] else {}
    rss_before = rss_kb(pids)
    started = time.perf_counter()
    clients = await connect_all([peer["url"]], n, [], frames, options)
    for i, client in enumerate(clients):  # keep each payload: CityLoop's first one is the peers'
        client.on(EVENT, lambda data, i=i: received.append((time.perf_counter(), i, data)))
    subscribed = await subscribe_all(clients, peer["room"])
    connect_s = time.perf_counter() - started
    await asyncio.sleep(2)  # let the server settle before reading its memory
    rss_idle = rss_kb(pids)
    idle_started, cpu_idle = time.perf_counter(), cpu_ms(pids)  # what N quiet sockets cost
    await asyncio.sleep(IDLE_S)
    cpu_idle = (cpu_ms(pids) - cpu_idle) / (time.perf_counter() - idle_started)
    latencies: list[float] = []
    delivered = 0
    async with aiohttp.ClientSession() as http:
        for index in range(k + 1):  # the first one warms up, unmeasured
            if index == 1:
                profiler = start_profiler(peer, pids)
                cpu_before = cpu_ms(pids)
            received.clear()
            sent = time.perf_counter()
            await broadcast(http, peer, payload)
            deadline = sent + peer["wait"]
            while len(received) < subscribed and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            if index == 0 and peer["name"] == "cityloop":
                payload_file.write_text(json.dumps(received[0][2]))
            if index > 0:
                latencies += [(t - sent) * 1000 for t, _, _ in received]
                delivered += len({i for _, i, _ in received})
        await asyncio.sleep(0.3)  # the last frames leave the server
        cpu_spent = cpu_ms(pids) - cpu_before
        stop_profiler(profiler)
    rss_after = rss_kb(pids)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    latencies.sort()
    return {
        "peer": peer["spec"],
        "n": n,
        "subscribed": subscribed,
        "cpu_ms": cpu_spent / k,
        "idle_ms_s": cpu_idle,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "delivered": delivered / (n * k),
        "connect_s": connect_s,
        "kb_idle": (rss_idle - rss_before) / n,
        "kb_after": (rss_after - rss_before) / n,
        "payload_bytes": len(json.dumps(received[0][2], separators=(",", ":"))) if received else 0,
        "load": load_average(),
    }


def client_main(peer_json: str) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(measure_clients(json.loads(peer_json)))), flush=True)
    os._exit(0)  # the clients' sockets are closed; skip asyncio's noisy teardown


# --- the run -------------------------------------------------------------------------------


def run_clients(peer: Peer, args, payload_file: Path) -> dict:
    description = {
        "spec": peer.spec, "name": peer.name, "is_cityloop": peer.is_cityloop, "url": peer.url,
        "pid": peer.process.pid,
        "clients": args.clients, "broadcasts": args.broadcasts, "wait": args.wait,
        "deflate": args.deflate, "payload_file": str(payload_file),
        "room": f"case:{peer.city['case_id']}", "case_id": peer.city["case_id"],
        "token": peer.city["token"], "py_spy": args.py_spy, "py_spy_dir": args.py_spy_dir,
    }  # fmt: skip
    command = [sys.executable, __file__, "--client-run", json.dumps(description)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=lambda: os.nice(args.client_nice))  # fmt: skip
    if done.returncode != 0:
        noise = ("Unclosed client session", "client_session:")  # aiohttp's, at a failed exit
        errors = [line for line in done.stderr.splitlines() if not line.startswith(noise)]
        raise RuntimeError(f"{peer.spec} clients failed:\n" + "\n".join(errors[-40:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(result: dict) -> None:
    print(f"  {result['peer']:<28} CPU {result['cpu_ms']:7.1f} ms/broadcast  "
          f"p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
          f"delivered {result['delivered'] * 100:6.2f}%  connect+subscribe "
          f"{result['connect_s']:5.1f} s  idle CPU {result['idle_ms_s']:5.1f} ms/s  "
          f"{result['kb_idle']:5.1f} KB/idle socket "
          f"({result['kb_after']:5.1f} after)  load {result['load']}", flush=True)  # fmt: skip


def summary(results: list[dict]) -> None:
    by_peer: dict[str, list[dict]] = {}
    for result in results:
        by_peer.setdefault(result["peer"], []).append(result)

    def median(peer: str, key: str) -> float:
        return statistics.median(r[key] for r in by_peer[peer])

    def ratios(peer: str, reference: str) -> str:
        cpu, connect, memory = (
            median(peer, key) / median(reference, key) for key in ("cpu_ms", "connect_s", "kb_idle")
        )
        return f"  vs {reference}: CPU x{cpu:.2f}, connect x{connect:.2f}, memory x{memory:.2f}"

    print("\n# medians over the rounds; ratios: this peer / reference")
    for peer in by_peer:
        lowest = min(r["delivered"] for r in by_peer[peer]) * 100
        line = (
            f"{peer:<28} CPU {median(peer, 'cpu_ms'):7.1f} ms  "
            f"connect+subscribe {median(peer, 'connect_s'):5.1f} s  "
            f"idle {median(peer, 'idle_ms_s'):5.1f} ms/s  "
            f"{median(peer, 'kb_idle'):5.1f} KB/socket  delivered {lowest:.2f}% (min)"
        )
        references = [ref for ref in ("node", "bare") if ref in by_peer and ref != peer]
        line += "".join(ratios(peer, ref) for ref in references)
        print(line)
    print(f"# load average at the end: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-run", help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--broadcasts", type=int, default=10, help="K measured broadcasts")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--peers", nargs="+", default=["cityloop", "bare", "node"],
                        help="cityloop, before, bare, node; name@stack for a Python peer on "
                             f"another websocket stack: {', '.join(STACKS)}")  # fmt: skip
    parser.add_argument("--port", type=int, default=5850)
    parser.add_argument("--wait", type=float, default=30.0, help="seconds per broadcast at most")
    parser.add_argument("--client-nice", type=int, default=5)
    parser.add_argument("--deflate", action="store_true",
                        help="clients offer permessage-deflate, as browsers do")  # fmt: skip
    parser.add_argument("--before", help="a checkout of an older CityLoop: peer 'before'")
    parser.add_argument("--alt-path",
                        help="folder(s), ':'-separated, put first on the PYTHONPATH of the peers "
                             "on another stack than simple-websocket (gevent-websocket, "
                             "eventlet; a bin/uwsgi in one is used)")  # fmt: skip
    parser.add_argument("--uwsgi", help="the uwsgi binary for @uwsgi and @uwsgi-router peers "
                                        "(default: from --alt-path, else PATH)")  # fmt: skip
    parser.add_argument("--py-spy", help="py-spy's path: profile the Python servers' broadcasts")
    parser.add_argument("--py-spy-dir", default=".", help="where the profiles go")
    args = parser.parse_args()
    if args.client_run:
        return client_main(args.client_run)
    unknown = [p for p in args.peers if p.partition("@")[2] not in ("", *STACKS)]
    if unknown:
        sys.exit(f"unknown stack in {', '.join(unknown)}: pick one of {', '.join(STACKS)}")
    if not args.peers[0].startswith("cityloop"):
        sys.exit("the first peer must be cityloop: its first reply is the payload the others send")
    if any(p.startswith("node") for p in args.peers) and not (NODE_PEER / "node_modules").exists():
        sys.exit("run: npm ci --prefix benchmarks/node-peer")
    from benchmarks.fanout import build_city

    data_dir = Path(tempfile.mkdtemp(prefix="cityloop-peers-"))
    try:
        url, case_ids, token = build_city(data_dir, 1)
        city = {"url": url, "dir": str(data_dir), "case_id": case_ids[0], "token": token}
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
        deflate = "offered" if args.deflate else "not offered"
        print(f"# {machine()}; node {node.strip()}")
        now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"# N = {args.clients}, K = {args.broadcasts}, {args.rounds} round(s), "
              f"clients nice +{args.client_nice}, deflate {deflate}; {now}, "
              f"load {load_average()}")  # fmt: skip
        results = []
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}", flush=True)
            for index, spec in enumerate(args.peers):
                peer = Peer(spec, args.port + index, city, args)
                peer.start()
                try:
                    results.append(run_clients(peer, args, data_dir / "payload.json"))
                finally:
                    peer.stop()
                show(results[-1])
        summary(results)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
