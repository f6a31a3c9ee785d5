"""Latency of typical case list queries with 100,000 cases, on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/list_queries.py [--cases 100000] [--runs 100] [--db both]

Each database is a scratch one: a SQLite file in a temporary folder, and a PostgreSQL
database (on ``BENCH_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432``)
that the script creates and drops: a random ``cityloop_bench_*`` name, or ``--pg-database``
(on a shared server, a name of your own; it must not exist yet). Cases are seeded with bulk
inserts; the queries then go through the Flask test client, so each figure includes routing,
auth, the SQL (list and count) and the JSON dump of a 20-item page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy import insert, select, text

from backend import create_app
from backend.auth.models import User
from backend.auth.service import issue_token
from backend.cases.models import Case, CaseEvent, CaseFollower, Status
from backend.config import TestingConfig
from backend.demo import CENTRE, load_demo
from backend.departments.models import Category
from backend.extensions import db
from benchmarks.common import load_average, machine, scratch_postgres

NOW = datetime.now(UTC)
STATUSES = {  # share of each status, roughly a city a few years in
    Status.SUBMITTED: 5,
    Status.ACCEPTED: 3,
    Status.ASSIGNED: 8,
    Status.IN_PROGRESS: 7,
    Status.RESOLVED: 5,
    Status.CLOSED: 60,
    Status.REJECTED: 8,
    Status.MERGED: 4,
}
WORDS = [
    "pothole",
    "lamp",
    "bin",
    "drain",
    "leak",
    "sign",
    "tree",
    "bench",
    "graffiti",
    "kerb",
    "路灯",
    "垃圾",
    "井盖",
    "树木",
]
CHUNK = 5000


# --- seeding ----------------------------------------------------------------------------------


def seed(session, count: int, residents: int = 2000) -> dict:
    """Demo departments and categories, ``residents`` people, ``count`` cases, bulk inserted."""
    load_demo(session)
    session.commit()
    rng = random.Random(2026)
    session.execute(
        insert(User.__table__),
        [
            {
                "email": f"bench{i}@example.org",
                "display_name": f"Resident {i}",
                "password_hash": "x",
                "role": "resident",
                "locale": "en",
                "blocked": False,
                "active": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(residents)
        ],
    )
    people = list(session.scalars(select(User.id).where(User.email.like("bench%"))))
    categories = [(c.id, c.department_id, c.sla_hours) for c in session.scalars(select(Category))]
    ids = rng.sample(range(100_000_000, 2**31 - 1), count)
    statuses = rng.choices(list(STATUSES), weights=list(STATUSES.values()), k=count)
    for start in range(0, count, CHUNK):
        rows = [
            _case_row(rng, ids[i], statuses[i], rng.choice(people), rng.choice(categories))
            for i in range(start, min(start + CHUNK, count))
        ]
        session.execute(insert(Case.__table__), rows)
        session.execute(insert(CaseEvent.__table__), [_submit_event(row) for row in rows])
        session.execute(
            insert(CaseFollower.__table__),
            [{"case_id": r["id"], "user_id": r["reporter_id"], "created_at": NOW} for r in rows],
        )
        session.commit()
    return {"resident": people[0], "categories": categories}


def _case_row(rng: random.Random, case_id: int, status: str, reporter: int, category) -> dict:
    category_id, department_id, sla_hours = category
    created = NOW - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    working = status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
    due = created + timedelta(hours=sla_hours) if working else None
    resolved = (
        created + timedelta(hours=rng.randrange(1, 200))
        if status in ("resolved", "closed")
        else None
    )
    return {
        "id": case_id,
        "reference": f"BM-{case_id}",  # unique; the real scheme needs the counters
        "reporter_id": reporter,
        "category_id": category_id,
        "department_id": department_id,
        "status": status,
        "priority": "urgent" if rng.random() < 0.02 else "normal",
        "lat": CENTRE[0] + rng.uniform(-0.15, 0.15),  # about 33 km by 28 km
        "lon": CENTRE[1] + rng.uniform(-0.15, 0.15),
        "title": None,
        "address": f"{rng.randrange(1, 999)} Nanjing Road",
        "description": " ".join(rng.choices(WORDS, k=8)),
        "answers": {},
        "anonymous": rng.random() < 0.1,
        "due_at": due,
        "escalated": bool(due and status in ("assigned", "in_progress") and due < NOW),
        "supporters_count": rng.randrange(0, 30) if rng.random() < 0.3 else 0,
        "comments_count": 0,
        "reopen_count": 0,
        "resolved_at": resolved,
        "closed_at": resolved + timedelta(days=3) if status == "closed" else None,
        "hidden": False,
        "version": 1,
        "source": "app",
        "created_at": created,
        "updated_at": created + timedelta(hours=rng.randrange(0, 300)),
    }


def _submit_event(row: dict) -> dict:
    return {
        "case_id": row["id"],
        "action": "submit",
        "from_status": None,
        "to_status": "submitted",
        "actor_id": row["reporter_id"],
        "details": {},
        "internal": False,
        "created_at": row["created_at"],
    }


# --- measuring --------------------------------------------------------------------------------


def queries(seeded: dict) -> list[tuple[str, str, str]]:
    """(label, URL, who) for the lists people actually open."""
    lat, lon = CENTRE
    since = (NOW - timedelta(hours=6)).isoformat().replace("+", "%2B")
    return [
        ("newest first, no filter", "/api/v1/cases", "public"),
        ("triage: status=submitted,accepted", "/api/v1/cases?status=submitted,accepted", "staff"),
        (
            "department inbox: department + 2 statuses, sort=due_at",
            "/api/v1/cases?department=roads&status=assigned,in_progress&sort=due_at",
            "staff",
        ),
        ("category=pothole", "/api/v1/cases?category=pothole", "public"),
        ("escalated=true", "/api/v1/cases?escalated=true", "staff"),
        (
            "map: bbox of about 2 km x 2 km",
            f"/api/v1/cases?bbox={lon - 0.01},{lat - 0.009},{lon + 0.01},{lat + 0.009}",
            "public",
        ),
        ("near + radius_m=500", f"/api/v1/cases?near={lat},{lon}&radius_m=500", "public"),
        ("mine=true", "/api/v1/cases?mine=true", "resident"),
        ("following=true", "/api/v1/cases?following=true", "resident"),
        ("updated_since (last 6 hours)", f"/api/v1/cases?updated_since={since}", "public"),
        ("q=路灯 (text search)", "/api/v1/cases?q=%E8%B7%AF%E7%81%AF", "public"),
        ("page 50 of the newest", "/api/v1/cases?page=50", "public"),
        (
            "nearby duplicates (category, 250 m)",
            f"/api/v1/cases/nearby?category=pothole&lat={lat}&lon={lon}",
            "public",
        ),
    ]


def measure(client, url: str, headers: dict, runs: int) -> tuple[list[float], int]:
    first = client.get(url, headers=headers)
    assert first.status_code == 200, (url, first.get_json())
    total = first.get_json()["total"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times, total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(url: str, label: str, count: int, runs: int, data_dir: Path) -> list[str]:
    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        seeded = seed(db.session, count)
        seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load; without the visibility map that
            # VACUUM sets, counts cannot be answered from indexes alone.
            with db.engine.connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        headers = _headers(seeded)
        db.session.remove()
    print(
        f"{label}: seeded {count:,} cases in {seconds:.1f} s; load average {load_average()}",
        flush=True,
    )
    client = app.test_client()
    lines = []
    for name, path, who in queries(seeded):
        times, total = measure(client, path, headers[who], runs)
        lines.append(
            f"| {label} | {name} | {total:,} | {statistics.median(times):.1f} "
            f"| {percentile(times, 0.99):.1f} |"
        )
        print(lines[-1], flush=True)
    with app.app_context():
        db.engine.dispose()
    return lines


def _headers(seeded: dict) -> dict:
    resident = db.session.get(User, seeded["resident"])
    staff = db.session.scalar(select(User).where(User.email == "staff@cityloop.example"))
    tokens = {who: issue_token(db.session, person, ttl_days=1) for who, person in
              (("resident", resident), ("staff", staff))}  # fmt: skip
    db.session.commit()
    return {"public": {}, **{who: {"Authorization": f"Bearer {t}"} for who, t in tokens.items()}}


def with_postgres(count: int, runs: int, data_dir: Path, name: str | None = None) -> list[str]:
    with scratch_postgres(name) as url:
        return run(url, "PostgreSQL", count, runs, data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100, help="timed requests per query")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-database", help="name of the scratch PostgreSQL database")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}", flush=True
    )
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{folder / 'bench.db'}"
            lines += run(url, "SQLite", args.cases, args.runs, folder / "sqlite")
        if args.db in ("postgresql", "both"):
            lines += with_postgres(args.cases, args.runs, folder / "postgresql", args.pg_database)
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}")
    print()
    print("| database | query | matching cases | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
