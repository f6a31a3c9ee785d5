"""What filing one report costs in-process: `POST /api/v1/cases` (JSON) through the Flask test
client, production settings, CPU milliseconds and SQL statements per report.

Run from the repository root:

    .venv/bin/python benchmarks/profile_filing.py [--cases 20000] [--reports 200]
        [--rounds 3] [--sqlite] [--pg-database NAME] [--baseline ../other-checkout] [--profile]

It seeds a scratch PostgreSQL database (``BENCH_POSTGRES_URL``; or SQLite with ``--sqlite``)
with ``--cases`` cases (benchmarks/list_queries.py's seeder) and a resident's token, then in
each round runs one fresh process per side: this checkout, and with ``--baseline DIR`` that
checkout's code (its ``.venv`` and ``backend/``) right after, so both are measured in the
same minutes. A process builds the app as ``wsgi.py`` does (``CITYLOOP_ENV=production``,
rate limits off), files a few reports to warm up, then ``--reports`` reports one at a time,
and prints the process CPU time and wall time per report and the statements each sent;
``--profile`` adds cProfile's 60 costliest functions (cumulative) of this checkout's run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 20
BODY = {  # the body benchmarks/http_ceiling.py posts
    "title": "Pothole by the bus stop",
    "description": "About 30 cm wide, deep enough to trip a cyclist.",
    "category": "pothole",
    "answers": {"size": "medium"},
}


# --- one side, in its own process --------------------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    """File the reports with ``args.root``'s code and print one JSON line of figures."""
    os.environ.update(
        {
            "CITYLOOP_ENV": "production",
            "DATABASE_URL": args.database,
            "CITYLOOP_DATA_DIR": args.data_dir,
            "SECRET_KEY": secrets.token_hex(32),
            "CITYLOOP_PUBLIC_URL": "https://bench.example",
            "CITYLOOP_ALLOWED_ORIGINS": "https://bench.example",
            "RATELIMIT_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(Path(args.root).resolve()))
    import logging

    from sqlalchemy import event

    from backend import create_app
    from backend.demo import CENTRE
    from backend.extensions import db

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)
    client = app.test_client()
    headers = {"Authorization": args.token}
    sent = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *_a: sent.append(1))

    def report(n: int) -> None:
        body = {**BODY, "lat": CENTRE[0] + (n % 97) * 1e-5, "lon": CENTRE[1] + (n % 89) * 1e-5}
        response = client.post(
            "/api/v1/cases", json=body, headers=headers, base_url="https://bench.example"
        )
        if response.status_code != 201:
            sys.exit(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")

    for n in range(WARM_UP):
        report(n)
    sent.clear()
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    for n in range(args.reports):
        report(WARM_UP + n)
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(60)
    figures = {
        "cpu_ms": 1000 * cpu / args.reports,
        "wall_ms": 1000 * wall / args.reports,
        "statements": len(sent) / args.reports,
    }
    print(json.dumps(figures), flush=True)


# --- the driver ---------------------------------------------------------------------------------


def seed(url: str, count: int, data_dir: Path) -> str:
    """Tables, demo city and ``count`` cases; a resident's Authorization header."""
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    import list_queries
    from sqlalchemy import text

    from backend import create_app
    from backend.config import TestingConfig
    from backend.extensions import db

    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        db.create_all()
        seeded = list_queries.seed(db.session, count)
        token = list_queries._headers(seeded)["resident"]["Authorization"]
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
        db.session.remove()
        db.engine.dispose()
    return token


def run_side(root: Path, url: str, token: str, data_dir: Path, reports: int, profile=False):
    python = root / ".venv" / "bin" / "python"
    command = [str(python), str(Path(__file__).resolve()), "--worker", "--root", str(root)]
    command += ["--database", url, "--token", token, "--data-dir", str(data_dir)]
    command += ["--reports", str(reports)] + (["--profile"] if profile else [])
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{root}: {done.stderr[-2000:]}{done.stdout[-500:]}")
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def drive(args: argparse.Namespace, url: str, folder: Path) -> None:
    started = time.perf_counter()
    token = seed(url, args.cases, folder / "data")
    print(f"seeded {args.cases:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
    sides = [("this checkout", ROOT)]
    if args.baseline is not None:
        sides.append((f"baseline {args.baseline.name}", args.baseline))
    print("| round | code | CPU ms / report | wall ms / report | statements / report | load |")
    print("|---:|---|---:|---:|---:|---|")
    for round_ in range(1, args.rounds + 1):
        for name, root in sides:
            profile = args.profile and root == ROOT and round_ == 1
            figures = run_side(root, url, token, folder / "data", args.reports, profile)
            print(
                f"| {round_} | {name} | {figures['cpu_ms']:.1f} | {figures['wall_ms']:.1f} "
                f"| {figures['statements']:.1f} | {load_average()} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--reports", type=int, default=200, help="timed reports per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per side")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead")
    parser.add_argument("--pg-database", help="name of the scratch database (must not exist)")
    parser.add_argument(
        "--baseline",
        type=lambda value: Path(value).resolve(),
        help="another checkout (with .venv): its code files the same reports after this one's",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile this checkout's run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"load average {load_average()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.sqlite:
            drive(args, f"sqlite:///{folder}/filing.db", folder)
            return
        sys.path[:0] = [str(ROOT)]
        from benchmarks.common import scratch_postgres

        with scratch_postgres(args.pg_database, prefix="cityloop_filing") as url:
            drive(args, url, folder)


if __name__ == "__main__":
    main()
