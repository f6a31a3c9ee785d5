"""A case list's total alone on PostgreSQL: the exact count (``queries.count_cases``, what
the lists answered before issue #15's estimate, and SQLite's still) against the count that
stops past 1,000 and then asks the planner (``queries.list_total``), in turn in one process
on one seeded database, so both see the same data and the same load.

Run from the repository root:

    .venv/bin/python benchmarks/list_totals.py [--cases 100000] [--runs 200]

The database is a scratch one (``BENCH_POSTGRES_URL``, as ``benchmarks/list_queries.py``,
whose seeding this uses). Each figure is the median of ``--runs`` totals of page 2 (page 1
might be its own total), in milliseconds, each in its own transaction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy import select, text

from backend import create_app
from backend.auth.models import User
from backend.cases import queries
from backend.config import TestingConfig
from backend.extensions import db
from benchmarks import list_queries
from benchmarks.common import load_average, machine, scratch_postgres

LISTS = [  # (label, list arguments, who asks)
    ("no filter", {}, "public"),
    ("status=closed", {"status": ["closed"]}, "public"),
    ("status=submitted,accepted", {"status": ["submitted", "accepted"]}, "staff"),
    ("escalated=true", {"escalated": True}, "staff"),
    ("mine=true", {"mine": True}, "resident"),
]


def _timed(count, runs: int) -> tuple[dict, dict]:
    times, answers = {"exact": [], "capped": []}, {}
    for _ in range(runs):
        for name in times:
            start = time.perf_counter()
            answers[name] = count(name)
            times[name].append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    return {name: statistics.median(values) for name, values in times.items()}, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch, scratch_postgres(None) as url:
        app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=Path(scratch))
        with app.app_context():
            db.create_all()
            seeded = list_queries.seed(db.session, args.cases)
            with db.engine.connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.execute(text("VACUUM ANALYZE"))
            staff_email = User.email == "staff@cityloop.example"
            people = {
                "public": None,
                "staff": db.session.scalar(select(User).where(staff_email)),
                "resident": db.session.get(User, seeded["resident"]),
            }
            print(f"seeded {args.cases:,} cases; load average {load_average()}", flush=True)
            print("| list (who) | exact total | exact ms | capped total | capped ms | ratio |")
            print("|---|---:|---:|---:|---:|---:|")
            for label, filters, who in LISTS:
                viewer, request = people[who], {"page": 2, "per_page": 20, **filters}

                def count(name: str, viewer=viewer, request=request) -> tuple[int, bool]:
                    if name == "exact":
                        return queries.count_cases(db.session, viewer, request), False
                    return queries.list_total(db.session, viewer, request)

                with app.test_request_context():
                    ms, answers = _timed(count, args.runs)
                (exact, _), (capped, estimated) = answers["exact"], answers["capped"]
                flag = " (estimate)" if estimated else ""
                print(
                    f"| {label} ({who}) | {exact:,} | {ms['exact']:.1f} | {capped:,}{flag} "
                    f"| {ms['capped']:.1f} | {ms['capped'] / ms['exact']:.2f} |",
                    flush=True,
                )
            print(f"load average {load_average()}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
