"""What one anonymous read costs in Python: the WSGI app called directly (no server, no
network), the public answer cache on (repeats are hits) or off (every read a miss).

Run from the repository root:

    .venv/bin/python benchmarks/profile_reads.py [--read list|case|home-list|pins]
        [--uncached] [--cases 5000] [--requests 3000] [--profile] [--database URL]

It seeds a scratch SQLite database (or ``--database``) with ``--cases`` cases (the seeder
of benchmarks/list_queries.py), asks the read once, then ``--requests`` times, and prints
the process CPU time per request; ``--profile`` adds cProfile's 40 costliest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import list_queries  # noqa: E402
from http_ceiling import requests_to_time  # noqa: E402
from sqlalchemy import select  # noqa: E402

from backend import create_app  # noqa: E402
from backend.cases.models import Case  # noqa: E402
from backend.config import TestingConfig  # noqa: E402
from backend.extensions import db  # noqa: E402


def make_app(args: argparse.Namespace, folder: Path):
    url = args.database or f"sqlite:///{folder}/profile.db"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": folder / "data"}
    settings |= {"RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"}
    if args.uncached:
        settings["PUBLIC_CACHE_BYTES"] = 0
    app = create_app(TestingConfig(), **settings)
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        db.create_all()
        list_queries.seed(db.session, args.cases)
        case_id = db.session.scalar(select(Case.id).order_by(Case.created_at.desc()).limit(1))
        db.session.remove()
    return app, case_id


def caller(app, path: str):
    """A function sending one plain anonymous GET of ``path`` (with its query)."""
    path, _, query = path.partition("?")

    def environ() -> dict:
        return {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }  # fmt: skip

    statuses = []

    def call() -> None:
        b"".join(app(environ(), lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[-1].startswith("200"):
            sys.exit(f"{path}: {statuses[-1]}")

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--read", default="list", choices=["list", "case", "home-list", "pins"])
    parser.add_argument("--uncached", action="store_true", help="public answer cache off")
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database", help="an empty database's URL (default: scratch SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, case_id = make_app(args, Path(folder))
        paths = dict(requests_to_time({"case_id": case_id}))
        call = caller(app, paths[args.read])
        for _ in range(20):  # the copy made, caches warm
            call()
        started = time.process_time()
        for _ in range(args.requests):
            call()
        spent = (time.process_time() - started) / args.requests
        kind = "misses" if args.uncached else "repeats"
        print(f"{args.read} ({kind}): {spent * 1e6:,.0f} us of CPU a request")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [call() for _ in range(args.requests)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
