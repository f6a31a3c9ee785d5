"""Live fan-out: N Socket.IO clients watch one case; one transition; how fast does it reach them?

Run from the repository root:

    .venv/bin/python benchmarks/fanout.py                     # N = 100, 1000, 5000
    .venv/bin/python benchmarks/fanout.py --clients 1000 --server threading
    .venv/bin/python benchmarks/fanout.py --processes 2       # 2 gevent processes + Redis
    .venv/bin/python benchmarks/fanout.py --clients 100 1000 --rounds 1 --comments 3

It builds a throwaway city (SQLite in a temporary folder), starts the server the way
production does (gunicorn, gevent worker, one process per port: ``--server gevent``) or the
embedded one (``python wsgi.py``: ``--server threading``), connects N clients
(python-socketio ``AsyncClient``, websocket transport) that subscribe to ``case:<id>``, then
POSTs transitions over HTTP. Latency is from just before the POST to each client's receipt
(so it includes the request itself); memory is the servers' RSS growth while the N clients
sit idle, divided by N. Clients and server share this machine's cores.

``--comments K`` then POSTs K public replies on the case and counts every frame each client
receives for each (any event name), after a settle time once all have one: "frames per
comment" is that count per listener (the contract is one), with the bytes they carried.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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

import aiohttp  # noqa: E402
import socketio  # noqa: E402

ACTIONS = ["accept", "assign", "start"]  # the rounds: successive transitions of one case

CONNECT_BATCH = 100  # clients connecting at once
SETTLE_S = 1.0  # after every client has a frame for a comment, how long to wait for more


def build_city(data_dir: Path, cases: int) -> tuple[str, list[int], str]:
    """Tables, a department, a category, a clerk and ``cases`` cases; returns the DB URL,
    the case ids and the clerk's bearer token."""
    from backend import create_app
    from backend.auth import service as auth_service
    from backend.cases import service as case_service
    from backend.config import Config
    from backend.departments import service as department_service
    from backend.extensions import db

    url = f"sqlite:///{data_dir / 'bench.db'}"
    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        db.create_all()
        admin = auth_service.create_user(
            db.session, email="admin@bench.example", password="bench-pass-phrase-1",
            display_name="Admin", role="admin",
        )  # fmt: skip
        department_service.create_department(db.session, admin, {"code": "roads", "name": "Roads"})
        department_service.create_category(
            db.session, admin, {"code": "pothole", "name": "Pothole", "department": "roads",
                                "sla_hours": 48, "attributes": []}
        )  # fmt: skip
        people = {}
        for role in ("staff", "resident"):
            people[role] = auth_service.create_user(
                db.session, email=f"{role}@bench.example", password="bench-pass-phrase-1",
                display_name=role.title(), role=role,
                departments=["roads"] if role == "staff" else [],
            )  # fmt: skip
        data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Bench"}
        made = [case_service.create_case(db.session, people["resident"], dict(data))
                for _ in range(cases)]  # fmt: skip
        token = auth_service.issue_token(db.session, people["staff"], ttl_days=1)
        db.session.commit()
        return url, [c.id for c in made], token


class Servers:
    """The server processes (gunicorn+gevent per port, or ``python wsgi.py``)."""

    def __init__(self, kind: str, processes: int, env: dict, base_port: int):
        self.ports = [base_port + i for i in range(processes)]
        self.procs = []
        for port in self.ports:
            if kind == "gevent":
                command = [
                    str(ROOT / ".venv/bin/gunicorn"), "-k", "gevent", "-w", "1",
                    "--worker-connections", "20000", "--no-control-socket",
                    "-b", f"127.0.0.1:{port}", "wsgi:app",
                ]  # fmt: skip
            else:
                command = [sys.executable, "wsgi.py"]
            self.procs.append(
                subprocess.Popen(command, cwd=ROOT, env=env | {"PORT": str(port)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )  # fmt: skip

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as http:
            for port in self.ports:
                for _ in range(300):
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                            if answer.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                else:
                    raise RuntimeError(f"server on {port} did not start")

    def rss_kb(self) -> int:
        """Resident memory of the processes that hold the sockets (gunicorn: its worker)."""
        total = 0
        for proc in self.procs:
            pids = _children(proc.pid) or [proc.pid]
            for pid in pids:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


async def connect_all(
    urls: list[str], n: int, inbox: list, frames: list, websocket_options: dict | None = None
) -> list[socketio.AsyncClient]:
    """Connect N clients; ``inbox`` gets (time, event id) for each ``case.event``, ``frames``
    (time, client index, event name, payload bytes) for every frame whatever its name.
    ``websocket_options``: for aiohttp's ``ws_connect`` (``{"compress": 15}`` offers
    permessage-deflate, as browsers do; aiohttp does not by default)."""
    clients = []

    async def one(i: int) -> socketio.AsyncClient:
        client = socketio.AsyncClient(
            reconnection=False, websocket_extra_options=dict(websocket_options or {})
        )

        @client.on("*")
        async def _received(event, payload=None):
            now = time.perf_counter()
            frames.append((now, i, event, len(json.dumps(payload, separators=(",", ":")))))
            if event == "case.event":
                inbox.append((now, payload["event"]["id"]))

        await client.connect(urls[i % len(urls)], transports=["websocket"], wait_timeout=60)
        # python-engineio's client gives up after max(ping interval, ping timeout) + 5 s
        # without a ping (30 s); browsers wait ping interval + ping timeout (45 s). Match them.
        client.eio.ping_timeout = client.eio.ping_interval + client.eio.ping_timeout - 5
        return client

    for start in range(0, n, CONNECT_BATCH):
        batch = range(start, min(n, start + CONNECT_BATCH))
        clients += await asyncio.gather(*(one(i) for i in batch))
    return clients


async def subscribe_all(clients, room: str) -> int:
    """Subscribe every client still connected; returns how many are subscribed (a client
    that lost its connection meanwhile counts as not delivered to)."""
    subscribed = 0
    for start in range(0, len(clients), CONNECT_BATCH):
        acks = await asyncio.gather(
            *(c.call("subscribe", {"room": room}, timeout=60)
              for c in clients[start:start + CONNECT_BATCH]),
            return_exceptions=True,
        )  # fmt: skip
        subscribed += sum(1 for a in acks if isinstance(a, dict) and a.get("ok"))
    return subscribed


async def one_round(http, url, token, case_id, action, clients, inbox, wait_s):
    """POST one transition, collect the receipts."""
    inbox.clear()
    expected = sum(1 for c in clients if c.connected)
    started = time.perf_counter()
    async with http.post(f"{url}/api/v1/cases/{case_id}/transitions", json={"action": action},
                         headers={"Authorization": f"Bearer {token}"}) as answer:  # fmt: skip
        assert answer.status == 200, await answer.text()
        answered = time.perf_counter() - started
    deadline = time.perf_counter() + wait_s
    while len(inbox) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    return sorted((t - started) * 1000 for t, _ in inbox), answered * 1000


async def comment_round(http, url, token, case_id, clients, frames, wait_s) -> dict:
    """POST one public reply; count the frames each connected client gets for it."""
    frames.clear()
    expected = sum(1 for c in clients if c.connected)
    started = time.perf_counter()
    body = {"body": f"Crew on the way ({started:.0f})."}
    async with http.post(f"{url}/api/v1/cases/{case_id}/comments", json=body,
                         headers={"Authorization": f"Bearer {token}"}) as answer:  # fmt: skip
        assert answer.status == 201, await answer.text()
        answered = time.perf_counter() - started
    deadline = time.perf_counter() + wait_s
    while len({i for _, i, _, _ in frames}) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(SETTLE_S)  # a second frame for the same comment would arrive by now
    per_client: dict[int, int] = {}
    last: dict[int, float] = {}  # when each listener had all it was sent for the comment
    for t, i, _event, _size in frames:
        per_client[i] = per_client.get(i, 0) + 1
        last[i] = t
    counts = list(per_client.values())
    latencies = sorted((t - started) * 1000 for t in last.values())
    return {
        "frames_per_listener": sum(counts) / max(1, len(counts)),
        "min": min(counts, default=0),
        "max": max(counts, default=0),
        "events": sorted({event for _, _, event, _ in frames}),
        "bytes_per_listener": sum(size for *_, size in frames) / max(1, len(counts)),
        "received": len(counts),
        "expected": expected,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "http_ms": answered * 1000,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def run(n: int, args, urls, token, case_id, servers) -> dict:
    inbox: list = []
    frames: list = []
    before = servers.rss_kb()
    started = time.perf_counter()
    clients = await connect_all(urls, n, inbox, frames)
    connect_s = time.perf_counter() - started
    await asyncio.sleep(2)  # let the server settle before reading its memory
    per_client_kb = (servers.rss_kb() - before) / n
    started = time.perf_counter()
    subscribed = await subscribe_all(clients, f"case:{case_id}")
    subscribe_s = time.perf_counter() - started
    print(f"  N={n}: connected in {connect_s:.1f} s, {subscribed} subscribed in "
          f"{subscribe_s:.1f} s", flush=True)  # fmt: skip
    rounds = []
    async with aiohttp.ClientSession() as http:
        for action in ACTIONS[: args.rounds]:  # one transition per round, same case
            rounds.append(
                await one_round(http, urls[0], token, case_id, action, clients, inbox, args.wait)
            )
        comments = [
            await comment_round(http, urls[0], token, case_id, clients, frames, args.wait)
            for _ in range(args.comments)
        ]
    for i, (lat, answered) in enumerate(rounds, 1):
        print(f"  N={n} round {i}: HTTP {answered:.0f} ms, p50 {percentile(lat, 50):.1f} ms, "
              f"p99 {percentile(lat, 99):.1f} ms, received {len(lat)}/{n}", flush=True)  # fmt: skip
    for i, c in enumerate(comments, 1):
        print(f"  N={n} comment {i}: {c['frames_per_listener']:.2f} frames per listener "
              f"(min {c['min']}, max {c['max']}; {', '.join(c['events'])}), "
              f"{c['bytes_per_listener'] / 1024:.1f} KB per listener, HTTP {c['http_ms']:.0f} ms, "
              f"last frame p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms, "
              f"received {c['received']}/{c['expected']}", flush=True)  # fmt: skip
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    latencies = sorted(x for lat, _ in rounds for x in lat)
    return {
        "n": n,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
        "delivered": len(latencies) / (n * len(rounds)) if rounds else float("nan"),
        "http_ms": statistics.median(a for _, a in rounds) if rounds else float("nan"),
        "kb_per_client": per_client_kb,
        "subscribe_s": subscribe_s,
        "frames_per_comment": (
            statistics.mean(c["frames_per_listener"] for c in comments) if comments else None
        ),
    }


async def warm_up(urls: list[str], token: str, case_id: int) -> None:
    """One unmeasured transition per process: first requests pay for lazy imports."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for url, action in zip(urls, ACTIONS, strict=False):
            path = f"{url}/api/v1/cases/{case_id}/transitions"
            async with http.post(path, json={"action": action}) as answer:
                await answer.read()


async def main_async(args, urls, token, case_ids, servers) -> list[dict]:
    await servers.ready()
    results = []
    await warm_up(urls, token, case_ids[-1])
    for case_id, n in zip(case_ids, args.clients, strict=False):  # a fresh case for each N
        result = await run(n, args, urls, token, case_id, servers)
        results.append(result)
        print(
            f"N={n:>5}  p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
            f"max {result['max']:7.1f} ms  delivered {result['delivered']:.4f}  "
            f"HTTP {result['http_ms']:.0f} ms  {result['kb_per_client']:.1f} KB/client  "
            f"subscribe {result['subscribe_s']:.1f} s"
            + (
                f"  frames/comment {result['frames_per_comment']:.2f}"
                if result["frames_per_comment"] is not None
                else ""
            ),
            flush=True,
        )
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--server", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--processes", type=int, default=1, help="> 1 needs --redis-url")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--port", type=int, default=5810)
    parser.add_argument("--rounds", type=int, default=3, choices=[0, 1, 2, 3],
                        help="transitions per N")  # fmt: skip
    parser.add_argument("--comments", type=int, default=0,
                        help="public replies per N, counting the frames each brings")  # fmt: skip
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait per round")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.processes > 1 and not args.redis_url:
        sys.exit("--processes > 1 needs Redis (--redis-url or REDIS_URL)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    data_dir = Path(tempfile.mkdtemp(prefix="cityloop-fanout-"))
    try:
        url, case_ids, token = build_city(data_dir, len(args.clients) + 1)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLOOP_", "REDIS"))}
        env |= {"DATABASE_URL": url, "CITYLOOP_DATA_DIR": str(data_dir), "LOG_LEVEL": "ERROR",
                "RATELIMIT_ENABLED": "0", "SOCKETIO_ASYNC_MODE": args.server}  # fmt: skip
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        servers = Servers(args.server, args.processes, env, args.port)
        urls = [f"http://127.0.0.1:{p}" for p in servers.ports]
        print(f"# {args.server} x{args.processes}"
              f"{' + Redis' if args.redis_url else ''}; {os.cpu_count()} CPUs "
              f"({platform.processor() or platform.machine()}), Python "
              f"{platform.python_version()}, open files {hard} (was {soft})")  # fmt: skip
        try:
            asyncio.run(main_async(args, urls, token, case_ids, servers))
        finally:
            servers.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
