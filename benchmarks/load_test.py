"""A realistic load test of the scaled city (scripts/run-scaled: nginx, N app processes,
PostgreSQL, Redis), with locust, for each number of processes asked.

Run from the repository root (PostgreSQL, Redis and nginx as for scripts/run-scaled):

    .venv/bin/python benchmarks/load_test.py --processes 1,2 --duration 60

For each process count it creates a scratch database (``--pg-database``, dropped after),
loads the demo city (``flask demo``'s departments, categories, cases and proposals) plus
``--residents`` residents and ``--staff`` staff with bearer tokens, starts run-scaled on
``--port``, connects ``--sockets`` idle residents' sockets and ``--desks`` staff desks
through nginx (benchmarks/load_sockets.py, which also files a probe case every second and
times its live delivery to the desks), then runs locust headless for ``--duration`` seconds
with ``--users`` simulated people (benchmarks/locustfile.py: residents browsing the map and
cases, reporting with a photo, commenting, voting; staff working their inbox). Rate limits
are off (every simulated person comes from 127.0.0.1). It prints a Markdown table per
request kind (requests, req/s, p50, p99, failures) and the live delivery figures, with the
machine and its load average, and writes them as JSON (``--out``).

locust runs from its own virtual environment (``.venv-bench``, made from
requirements-bench.txt on first use): it brings its own gevent and Flask, and the app's
pinned ones in .venv stay as they are. Load generator, sockets and the city share this
machine's cores: the figures are for the whole set on one machine, not a server's ceiling.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

BENCH_VENV = ROOT / ".venv-bench"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
KINDS = ["pins (map)", "case list", "case page", "report with photo", "comment", "vote",
         "staff inbox", "staff accept", "staff reply"]  # fmt: skip


def locust_binary() -> Path:
    binary = BENCH_VENV / "bin" / "locust"
    if not binary.exists():
        print("==> creating .venv-bench for locust (requirements-bench.txt)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", "-r",
                        str(ROOT / "requirements-bench.txt")], check=True)  # fmt: skip
    return binary


def fresh_database(name: str) -> str:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(database_url: str, data_dir: Path, residents: int, staff: int) -> dict:
    """The demo city, migrated, plus people with tokens; what locust needs to know."""
    env = os.environ | {"DATABASE_URL": database_url, "CITYLOOP_DATA_DIR": str(data_dir)}
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    from sqlalchemy import select

    from backend import create_app
    from backend.auth import service as auth_service
    from backend.cases.models import Case
    from backend.config import Config
    from backend.demo import CENTRE, load_demo
    from backend.extensions import db
    from backend.proposals.models import Proposal, Status

    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=database_url.replace(
        "postgresql://", "postgresql+psycopg://"), DATA_DIR=data_dir)  # fmt: skip
    with app.app_context():
        load_demo(db.session)
        tokens = {"residents": [], "staff": []}
        for n in range(residents + staff):
            role = "resident" if n < residents else "staff"
            user = auth_service.create_user(
                db.session, email=f"load{n}@example.org", password="load-test-password",
                display_name=f"Load {n}", role=role,
                departments=["roads"] if role == "staff" else [], head_of=[],
            )  # fmt: skip
            raw = auth_service.issue_token(db.session, user, ttl_days=1)
            if role == "staff":
                tokens["staff"].append({"token": raw, "department": "roads"})
            else:
                tokens["residents"].append(raw)
        db.session.commit()
        cases = list(db.session.scalars(select(Case.id).where(Case.hidden.is_(False))))
        proposals = list(
            db.session.scalars(select(Proposal.id).where(Proposal.status == Status.PUBLISHED))
        )
        db.engine.dispose()
    from tests.imagegen import jpeg

    photo = data_dir / "load-photo.jpg"
    photo.write_bytes(jpeg())
    return tokens | {"cases": cases, "proposals": proposals, "photo": str(photo),
                     "centre": list(CENTRE)}  # fmt: skip


class City:
    """scripts/run-scaled in its own session, stopped with SIGTERM to that session."""

    def __init__(self, processes: int, port: int, database_url: str, redis_url: str, tmp: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = tmp / f"run-scaled-{processes}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CITYLOOP_")}
        env |= {
            "PORT": str(port),
            "CITYLOOP_PROCESSES": str(processes),
            "CITYLOOP_PORTS": " ".join(str(port + 1 + i) for i in range(processes)),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SOCKETIO_CHANNEL": "cityloop-load-test",
            "CITYLOOP_RUN_DIR": str(tmp / f"run-{processes}"),
            "CITYLOOP_DATA_DIR": str(tmp / "data"),
            "RATELIMIT_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
        }
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (kept open for the child's life)
        self.process = subprocess.Popen([str(ROOT / "scripts/run-scaled")], cwd=ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run-scaled exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/readyz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("run-scaled was not ready after 120 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def run_locust(url: str, fixture: Path, args, prefix: Path) -> dict[str, dict]:
    env = os.environ | {"LOAD_FIXTURE": str(fixture)}
    subprocess.run(
        [str(locust_binary()), "-f", str(ROOT / "benchmarks/locustfile.py"), "--headless",
         "--host", url, "-u", str(args.users), "-r", str(args.spawn_rate),
         "-t", f"{args.duration}s", "--csv", str(prefix), "--only-summary",
         "--loglevel", "WARNING", "--stop-timeout", "10"],
        env=env, check=False, cwd=ROOT,
    )  # fmt: skip
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"]),
                "p99_ms": float(row["99%"]),
            }
    return rows


def one_run(processes: int, args, tmp: Path) -> dict:
    name = f"{args.pg_database}_{processes}"
    database_url = fresh_database(name)
    try:
        fixture = tmp / f"fixture-{processes}.json"
        fixture.write_text(json.dumps(seed(database_url, tmp / "data", args.residents,
                                           args.staff)))  # fmt: skip
        city = City(processes, args.port, database_url, args.redis_url, tmp)
        try:
            sockets_out = tmp / f"sockets-{processes}.json"
            sockets = subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks/load_sockets.py"), city.url,
                 str(fixture), "--sockets", str(args.sockets), "--desks", str(args.desks),
                 "--seconds", str(args.duration), "--out", str(sockets_out)],
                stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
            line = sockets.stdout.readline()  # "connected N", once all are
            print(f"==> {processes} process(es): {line.strip()}", file=sys.stderr)
            load_before = os.getloadavg()
            stats = run_locust(city.url, fixture, args, tmp / f"locust-{processes}")
            load_after = os.getloadavg()
            sockets.wait(timeout=args.duration + 120)
            live = json.loads(sockets_out.read_text())
        finally:
            city.stop()
    finally:
        drop_database(name)
    return {"processes": processes, "requests": stats, "live": live,
            "load_before": load_before, "load_after": load_after}  # fmt: skip


def table(results: list[dict]) -> str:
    head = "| kind | " + " | ".join(
        f"{r['processes']} proc: req (req/s) | p50 / p99 ms | fail" for r in results
    )
    lines = [head + " |", "|---|" + "---|---|---|" * len(results)]
    for kind in [*KINDS, "Aggregated"]:
        cells = []
        for r in results:
            s = r["requests"].get(kind)
            if s is None:
                cells.append(" | | ")
                continue
            cells.append(f"{s['requests']} ({s['rps']:.1f}) | {s['p50_ms']:.0f} / "
                         f"{s['p99_ms']:.0f} | {s['failures']}")  # fmt: skip
        label = "**all**" if kind == "Aggregated" else kind
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    live = [
        f"- {r['processes']} process(es): {r['live']['sockets']} of {r['live']['asked']} sockets "
        f"connected in {r['live']['connect_s']} s, {r['live']['still_connected']} still at the "
        f"end; live delivery of {r['live']['probes']} probe cases to the desks: p50 "
        f"{r['live']['p50_ms']} ms, p99 {r['live']['p99_ms']} ms, max {r['live']['max_ms']} ms, "
        f"{r['live']['lost']} lost, {r['live']['failure_count']} socket/probe failures; "
        f"load average {r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after"
        for r in results
    ]
    return "\n".join(lines) + "\n\n" + "\n".join(live)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2", help="comma-separated, e.g. 1,2")
    parser.add_argument("--duration", type=int, default=60, help="seconds of locust per run")
    parser.add_argument("--users", type=int, default=100, help="simulated people (locust)")
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--sockets", type=int, default=1000, help="idle residents' sockets")
    parser.add_argument("--desks", type=int, default=10, help="staff sockets timing delivery")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--staff", type=int, default=10)
    parser.add_argument("--port", type=int, default=8090, help="nginx; the apps use the next")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--pg-database", default="cityloop_load")
    parser.add_argument("--out", default=None, help="JSON results file")
    args = parser.parse_args()
    locust_binary()
    results = []
    with tempfile.TemporaryDirectory(prefix="cityloop-load-") as folder:
        for processes in [int(p) for p in args.processes.split(",")]:
            results.append(one_run(processes, args, Path(folder)))
    print(f"\n{platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}; {args.users} locust users, {args.duration} s "
          f"each\n")  # fmt: skip
    print(table(results))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
