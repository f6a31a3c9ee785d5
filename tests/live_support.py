"""Real servers and real Socket.IO clients on loopback, for the live tests.

``ServerProcess`` runs ``python wsgi.py`` (or the job worker) as the deployment does, on a
free port, against the test database; ``LiveClient`` wraps ``socketio.Client`` and records
what arrives so that tests wait on events (with a timeout) instead of sleeping.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
import socketio

from tests.helpers import ROOT

WAIT = 5.0  # seconds: generous for a loaded CI machine; a passing test waits far less


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLOOP_", "REDIS_"))}
    env.update(
        DATABASE_URL=database_url,
        CITYLOOP_DATA_DIR=str(data_dir),
        RATELIMIT_ENABLED="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class ServerProcess:
    """A server on 127.0.0.1:<free port> (``python wsgi.py``, or ``command(port)`` run in
    ``cwd``), ready once ``/healthz`` answers; stopped (and reaped) by :meth:`stop`."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        *,
        command: Callable[[int], list[str]] | None = None,
        cwd: Path = ROOT,
        ready_timeout: float = 30.0,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115  (kept open for the child's life)
        self.process = subprocess.Popen(
            command(self.port) if command else [sys.executable, "wsgi.py"],
            cwd=cwd,
            env=env | {"HOST": "127.0.0.1", "PORT": str(self.port)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)  # polling a port that is not open yet: nothing to await
        self.stop()
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def run_worker_burst(env: dict, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """``flask --app wsgi worker --burst``: runs what is queued, then exits."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class LiveClient:
    """A real Socket.IO client over a websocket, recording every server event."""

    def __init__(self, url: str, *, token: str | None = None, headers: dict | None = None):
        self.url = url
        self.events: queue.Queue = queue.Queue()
        self.seen: list[tuple[str, object]] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.on("disconnect", lambda *_reason: self.events.put(("disconnected", None)))
        self.token = token
        self.headers = headers or {}

    def _record(self, event, data=None):
        self.events.put((event, data))

    def connect(self) -> LiveClient:
        auth = {"token": self.token} if self.token else None
        self.sio.connect(
            self.url, auth=auth, headers=self.headers, transports=["websocket"], wait_timeout=WAIT
        )
        return self

    def subscribe(self, room: str, since: int | None = None) -> dict:
        body = {"room": room} if since is None else {"room": room, "since": since}
        return self.sio.call("subscribe", body, timeout=WAIT)

    def wait_for(self, event: str, predicate=lambda _data: True, timeout: float = WAIT):
        """The first ``event`` whose data matches ``predicate``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {event!r} within {timeout}s; saw {self.seen!r}")
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append((name, data))
            if name == event and predicate(data):
                return data

    def close(self) -> None:
        if not self.sio.connected:
            return
        # websocket-client waits up to 3 s for the server's closing frame, which the
        # Engine.IO server does not send after a CLOSE packet: a test need not wait for it.
        ws = self.sio.eio.ws
        if ws is not None:
            close = ws.close
            ws.close = lambda *args, **kwargs: close(*args, **{**kwargs, "timeout": 0.2})
        self.sio.disconnect()
