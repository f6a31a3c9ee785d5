"""Is a websocket stack reliable with CityLoop's Redis message queue? Two processes, a restart.

Run from the repository root, with Redis (a database of its own: it is not flushed, but
Socket.IO's channel carries the run's emits):

    .venv/bin/python benchmarks/fanout_reconnect.py --redis-url redis://127.0.0.1:6379/11
    .venv/bin/python benchmarks/fanout_reconnect.py --stack uwsgi --alt-path /tmp/live-alt

CityLoop runs as two processes of one websocket stack (``--stack``, those of
``benchmarks/fanout_peers.py``, started by its code) on SQLite, sharing Redis. N clients
(python-socketio, reconnecting, subscribing to the case again on every connect) connect to
process A; a public reply is POSTed to process B and must reach all N through Redis. Then A
is stopped and started again: every client must reconnect and resubscribe, and a second reply
POSTed to B must reach all N again. It prints one JSON line; the exit status is 1 unless
every client reconnected and got both replies.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import requests  # noqa: E402
import socketio  # noqa: E402

from benchmarks import fanout_peers  # noqa: E402
from benchmarks.fanout import build_city  # noqa: E402


class Watchers:
    """N clients on one server; counts connects and who got each event."""

    def __init__(self, url: str, room: str, n: int):
        self.lock = threading.Lock()
        self.connects = 0
        self.got: dict[int, set[int]] = {}  # event id: the clients that got it
        self.clients = [self._client(url, room, i) for i in range(n)]

    def _client(self, url: str, room: str, i: int) -> socketio.Client:
        client = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                 reconnection_delay_max=2)  # fmt: skip

        def subscribe():
            client.call("subscribe", {"room": room}, timeout=30)

        @client.on("connect")
        def _connected():
            with self.lock:
                self.connects += 1
            threading.Thread(target=subscribe, daemon=True).start()  # not in the event's thread

        @client.on("case.event")
        def _event(payload):
            with self.lock:
                self.got.setdefault(payload["event"]["id"], set()).add(i)

        client.connect(url, transports=["websocket"], wait_timeout=30)
        return client

    def delivered(self, wait_s: float) -> int:
        """How many clients got the event the most clients got, waiting up to ``wait_s``."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            with self.lock:
                best = max((len(v) for v in self.got.values()), default=0)
            if best >= len(self.clients):
                break
            time.sleep(0.1)
        with self.lock:
            best = max((len(v) for v in self.got.values()), default=0)
            self.got.clear()
        return best

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="simple-websocket", choices=fanout_peers.STACKS)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--port", type=int, default=5950, help="A's; B's is the next one")
    parser.add_argument("--alt-path", help="as fanout_peers.py's: the stack's extra packages")
    parser.add_argument("--uwsgi", help="the uwsgi binary, as fanout_peers.py's")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds per step at most")
    args = parser.parse_args()
    args.before = None

    class RedisPeer(fanout_peers.Peer):
        def command(self):
            command, env = super().command()
            return command, env | {"REDIS_URL": args.redis_url}

    data_dir = Path(tempfile.mkdtemp(prefix="cityloop-reconnect-"))
    try:
        url, case_ids, token = build_city(data_dir, 1)
        city = {"url": url, "dir": str(data_dir), "case_id": case_ids[0], "token": token}
        spec = f"cityloop@{args.stack}"
        a, b = (RedisPeer(spec, args.port + i, city, args) for i in range(2))
        a.start()
        b.start()
        try:
            watchers = Watchers(a.url, f"case:{case_ids[0]}", args.clients)
            time.sleep(2)  # the subscribes' acks

            def reply(tag: str) -> int:
                answer = requests.post(
                    f"{b.url}/api/v1/cases/{case_ids[0]}/comments", json={"body": tag},
                    headers={"Authorization": f"Bearer {token}"}, timeout=args.wait,
                )  # fmt: skip
                assert answer.status_code == 201, answer.text
                return watchers.delivered(args.wait)

            first = reply("Before the restart.")
            a.stop()
            restarted = time.monotonic()
            a.start()
            deadline = time.monotonic() + args.wait
            while watchers.connects < 2 * args.clients and time.monotonic() < deadline:
                time.sleep(0.1)
            reconnected = watchers.connects - args.clients
            reconnect_s = time.monotonic() - restarted
            time.sleep(2)  # the subscribes' acks
            second = reply("After the restart.")
            watchers.close()
        finally:
            a.stop()
            b.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    result = {
        "stack": args.stack, "clients": args.clients, "delivered_across_processes": first,
        "reconnected": reconnected, "reconnected_in_s": round(reconnect_s, 1),
        "delivered_after_restart": second,
    }  # fmt: skip
    print(json.dumps(result), flush=True)
    sys.exit(0 if first == second == reconnected == args.clients else 1)


if __name__ == "__main__":
    main()
