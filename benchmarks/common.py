"""What the benchmarks share: the machine line, the load average, a scratch PostgreSQL
database, a free port and a server process started for the run."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine moves the figures."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


@contextmanager
def scratch_postgres(
    name: str | None = None, prefix: str = "cityloop_bench", keep: bool = False
) -> Iterator[str]:
    """A PostgreSQL database made for the run (``name`` must not exist) and dropped after it;
    yields its URL. ``keep``: an existing one is reused, and it stays for the next run."""
    name = name or f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not (keep and exists):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process in its own session (so that stopping it stops its workers), ready
    once ``/`` answers."""

    def __init__(
        self, name: str, command: list[str], env: dict, port: int, log: Path, cwd: Path = ROOT
    ):
        self.name, self.url = name, f"http://127.0.0.1:{port}"
        self._log = open(log, "wb")  # noqa: SIM115  (open for the child's life)
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._wait(log)

    def _wait(self, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited:\n{log.read_text()[-3000:]}")
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except requests.RequestException:  # not listening yet, or still loading
                time.sleep(0.2)
        sys.exit(f"{self.name} did not start:\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(30)
        self._log.close()
