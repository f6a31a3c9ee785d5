"""The scaled city for tests: its own PostgreSQL database and ``scripts/run-scaled``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.helpers import ROOT
from tests.live_support import free_port, server_env
from tests.services import IN_CI, POSTGRES_URL, REDIS_URL, require_service

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def require_scaled_services() -> None:
    require_service("PostgreSQL", POSTGRES_URL.replace("+psycopg", ""))
    require_service("Redis", REDIS_URL)
    if not os.access(NGINX, os.X_OK):
        message = "nginx is not installed (scripts/test installs it in CI)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def fresh_database(suffix: str) -> str:
    """A new empty database next to the test one; returns its SQLAlchemy URL."""
    base, _, name = POSTGRES_URL.rpartition("/")
    target = f"{name}_{suffix}"
    with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}"')
    return f"{base}/{target}"


class ScaledCity:
    """``scripts/run-scaled`` with two app processes on free ports, in its own session
    (so that stopping it reaches every process it started)."""

    def __init__(self, database_url: str, tmp: Path, processes: int = 2, **extra_env: str):
        self.port = free_port()
        self.app_ports = [free_port() for _ in range(processes)]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_urls = [f"http://127.0.0.1:{port}" for port in self.app_ports]
        self.run_dir = tmp / "run"
        self.log_path = tmp / "run-scaled.log"
        self.data_dir = tmp / "data"
        env = server_env(
            database_url,
            self.data_dir,
            REDIS_URL=REDIS_URL,
            PORT=str(self.port),
            CITYLOOP_PROCESSES=str(processes),
            CITYLOOP_PORTS=" ".join(map(str, self.app_ports)),
            CITYLOOP_RUN_DIR=str(self.run_dir),
            LOG_LEVEL="INFO",
            # The public origin, and the app ports' own for the test's direct sockets
            # (websocket-client always sends the Origin of the URL it connects to).
            CITYLOOP_ALLOWED_ORIGINS=",".join([self.url, *self.app_urls]),
            **extra_env,
        )
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (kept open for the child's life)
        self.process = subprocess.Popen(
            ["scripts/run-scaled"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run-scaled exited early:\n{self.log()}")
            if "ready on" in self.log():
                try:
                    if requests.get(self.url + "/readyz", timeout=2).ok:
                        return
                except requests.ConnectionError:
                    pass
            time.sleep(0.2)  # polling a starting set of processes: nothing to await
        self.stop()
        raise RuntimeError(f"run-scaled not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()
        return self.process.returncode

    def serving_pid(self, index: int) -> int:
        """The gunicorn worker that serves app port ``index`` (the child of that port's
        gunicorn master): the process holding its requests and sockets."""
        out = subprocess.run(
            ["ps", "-ww", "-o", "pid=,ppid=,args=", "-s", str(self.process.pid)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        bind = f"127.0.0.1:{self.app_ports[index]}"
        rows = [line.split(None, 2) for line in out.stdout.splitlines()]
        gunicorns = {
            int(pid): int(ppid) for pid, ppid, args in rows if "gunicorn" in args and bind in args
        }
        workers = [pid for pid, ppid in gunicorns.items() if ppid in gunicorns]
        assert len(workers) == 1, out.stdout
        return workers[0]

    def leftovers(self) -> list[str]:
        """Processes of its session still alive after :meth:`stop`."""
        out = subprocess.run(
            ["ps", "-o", "pid=,args=", "-s", str(self.process.pid)], capture_output=True, text=True
        )
        return [line for line in out.stdout.splitlines() if line.strip()]
