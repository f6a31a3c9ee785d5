"""Statistics at scale: overview, departments and hotspots over 1,000,000 cases (3 years).

Run from the repository root:

    .venv/bin/python benchmarks/stats_queries.py --db postgresql --pg-database h8_bench
    .venv/bin/python benchmarks/stats_queries.py --db sqlite --cases 100000

Each database is a scratch one (a SQLite file in a temporary folder; a PostgreSQL database
on ``BENCH_POSTGRES_URL`` that the script creates and drops). Six departments, twelve
categories; cases are spread evenly over the three years before now, with their event log
(submit, accept, assign, start, resolve, close; transfers, reopens and rejections) and
ratings, all seeded in the database itself from a number series (``generate_series`` on
PostgreSQL, a recursive CTE on SQLite); then migration 0013's batched backfill fills the
statistics' per-case summary rows, timed. The API is then called through the Flask test client
for the last 90 days and the last 365 days; each figure is the median (p50) of ``--runs``
requests, after one warm-up. ``--explain`` prints the plans (``EXPLAIN ANALYZE``) of the
statements one request runs.

``--against DIR`` compares with another checkout's code (e.g. ``/work/main``) in the same run:
that code answers from a copy of the summary rows (PostgreSQL: a schema ``bench_against``;
SQLite: a copy of the file) with its own models' indexes, each in a process of its own, and
the requests alternate between the two, so both see the same load.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# run as a script from anywhere; STATS_BENCH_CODE: another checkout's code (--against)
sys.path.insert(0, os.environ.get("STATS_BENCH_CODE") or str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, inspect, text

from backend import create_app
from backend.auth.permissions import OPERATOR
from backend.config import TestingConfig
from backend.departments import service as department_service
from backend.extensions import db
from benchmarks.common import load_average, machine, scratch_postgres
from benchmarks.list_queries import percentile

DAYS = 3 * 365
NOW = datetime.now(UTC).replace(microsecond=0)
T0 = NOW - timedelta(days=DAYS)
DEPARTMENTS = ("roads", "water", "lights", "parks", "waste", "housing")

# The status of case g: cases filed more than 30 days ago are over (2 in 20 rejected, the
# rest closed); newer ones are also in each open state.
STATUS = """CASE WHEN g * {spacing} < {settled} THEN
    (CASE WHEN g % 20 IN (12, 13) THEN 'rejected' ELSE 'closed' END)
    ELSE (CASE g % 20 WHEN 12 THEN 'rejected' WHEN 13 THEN 'rejected'
    WHEN 14 THEN 'submitted' WHEN 15 THEN 'accepted' WHEN 16 THEN 'assigned'
    WHEN 17 THEN 'in_progress' WHEN 18 THEN 'resolved' ELSE 'closed' END) END"""
# Seconds after filing at which each step happened (resolve: 4 to 94 hours, so some late).
AT = {
    "accept": "3600 * (1 + g % 7)",
    "assign": "3600 * (1 + g % 7) + 1800",
    "transfer": "3600 * (1 + g % 7) + 3600",
    "start": "3600 * (1 + g % 7) + 7200",
    "resolve": "3600 * (4 + g % 91)",
    "reopen": "3600 * (5 + g % 91)",
    "close": "3600 * (28 + g % 91)",
    "reject": "3600 * (1 + g % 5)",
}
PAST_ACCEPT = "('accepted','assigned','in_progress','resolved','closed')"
PAST_ASSIGN = "('assigned','in_progress','resolved','closed')"
PAST_START = "('in_progress','resolved','closed')"
PAST_RESOLVE = "('resolved','closed')"
EVENTS = (  # action, from, to, which cases (a condition on g and the status)
    ("submit", "NULL", "'submitted'", "TRUE"),
    ("accept", "'submitted'", "'accepted'", f"st IN {PAST_ACCEPT}"),
    ("assign", "'accepted'", "'assigned'", f"st IN {PAST_ASSIGN}"),
    ("transfer", "'assigned'", "'assigned'", f"st IN {PAST_ASSIGN} AND g % 17 = 0"),
    ("start", "'assigned'", "'in_progress'", f"st IN {PAST_START}"),
    ("resolve", "'in_progress'", "'resolved'", f"st IN {PAST_RESOLVE}"),
    ("reopen", "'resolved'", "'assigned'", "st = 'closed' AND g % 23 = 0"),
    ("close", "'resolved'", "'closed'", "st = 'closed'"),
    ("reject", "'submitted'", "'rejected'", "st = 'rejected'"),
)


class Dialect:
    """The two spellings of a number series and of "T0 plus so many seconds"."""

    def __init__(self, name: str, count: int):
        self.name = name
        spacing = DAYS * 86400 // count  # seconds between two cases
        self.status = STATUS.format(spacing=spacing, settled=(DAYS - 30) * 86400)

    def series(self, count: int) -> str:
        if self.name == "postgresql":
            numbers = f"generate_series(CAST(1 AS bigint), {count}) AS s(g)"
            return f"(SELECT g, {self.status} AS st FROM {numbers}) AS n"
        return (
            f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {count})"
            f" SELECT g, {self.status} AS st FROM s) AS n"
        )

    def moment(self, seconds: str) -> str:
        if self.name == "postgresql":
            return f"(CAST(:t0 AS timestamptz) + make_interval(secs => {seconds}))"
        return (
            f"(strftime('%Y-%m-%d %H:%M:%S', :t0, '+' || ({seconds}) || ' seconds') || '.000000')"
        )


def seed(session, count: int) -> None:
    dialect = Dialect(session.get_bind().dialect.name, count)
    categories = _catalogue(session)
    spacing = DAYS * 86400 // count  # seconds between two cases
    created = f"g * {spacing}"
    case_of = " ".join(f"WHEN {i} THEN {c}" for i, (c, _) in enumerate(categories))
    dept_of = " ".join(f"WHEN {i} THEN {d}" for i, (_, d) in enumerate(categories))
    t0 = T0.replace(tzinfo=None).isoformat(sep=" ") if dialect.name == "sqlite" else T0
    closed = (
        f"CASE WHEN st = 'closed' THEN {dialect.moment(created + ' + ' + AT['close'])}"
        f" WHEN st = 'rejected' THEN {dialect.moment(created + ' + ' + AT['reject'])} END"
    )
    resolved = dialect.moment(created + " + " + AT["resolve"])
    if dialect.name == "postgresql":  # the app's per-statement timeout is for requests
        session.execute(text("SET LOCAL statement_timeout = 0"))
    session.execute(
        text(
            "INSERT INTO cases (id, category_id, department_id, status, priority, lat, lon,"
            " description, answers, anonymous, due_at, escalated, admins_alerted,"
            " supporters_count, comments_count, reopen_count, resolved_at, closed_at, hidden,"
            " version, source, reference, created_at, updated_at) "
            f"SELECT g, CASE g % {len(categories)} {case_of} END,"
            f" CASE g % {len(categories)} {dept_of} END, st, 'normal',"
            # 400 x 400 spots about 90 m apart, visited in a scattered order.
            " 31.10 + ((g * 7919) % 400) * 0.0008, 121.30 + ((g * 104729) % 400) * 0.0009,"
            f" 'Case ' || g, '{{}}', FALSE, {dialect.moment(created + ' + 172800')}, FALSE,"
            f" FALSE, g % 5, 0, CASE WHEN st = 'closed' AND g % 23 = 0 THEN 1 ELSE 0 END,"
            f" CASE WHEN st IN {PAST_RESOLVE} THEN {resolved} END,"
            f" {closed}, g % 1000 = 0, 1, 'app', 'BM-' || g, {dialect.moment(created)},"
            f" {dialect.moment(created + ' + 3600')} FROM {dialect.series(count)}"
        ),
        {"t0": t0},
    )
    for action, source, target, which in EVENTS:
        at = created if action == "submit" else f"{created} + {AT[action]}"
        session.execute(
            text(
                "INSERT INTO case_events (case_id, action, from_status, to_status, details,"
                f" internal, created_at) SELECT g, '{action}', {source}, {target}, '{{}}',"
                f" FALSE, {dialect.moment(at)} FROM {dialect.series(count)} WHERE {which}"
            ),
            {"t0": t0},
        )
    session.execute(
        text(
            "INSERT INTO case_ratings (case_id, score, created_at) SELECT g, 1 + g % 5,"
            f" {dialect.moment(created + ' + ' + AT['close'])} FROM {dialect.series(count)}"
            " WHERE st = 'closed' AND g % 3 = 0"
        ),
        {"t0": t0},
    )
    session.commit()


def _migration():
    """Migration 0013's module, for its batched backfill of the summary rows."""
    path = Path(__file__).resolve().parents[1] / "migrations/versions/0013_case_summaries.py"
    spec = importlib.util.spec_from_file_location("migration_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalogue(session) -> list[tuple[int, int]]:
    """Six departments with two categories each: [(category id, department id)]."""
    pairs = []
    for code in DEPARTMENTS:
        department = department_service.create_department(
            session, OPERATOR, {"code": code, "name": code.title()}
        )
        for suffix in ("a", "b"):
            category = department_service.create_category(
                session,
                OPERATOR,
                {"code": f"{code}_{suffix}", "name": f"{code} {suffix}", "department": code,
                 "sla_hours": 48},
            )  # fmt: skip
            pairs.append((category.id, department.id))
    session.commit()
    return pairs


def windows() -> list[tuple[str, str]]:
    today = NOW.date()
    return [
        ("90 days", f"from={today - timedelta(days=89)}&to={today}"),
        ("365 days", f"from={today - timedelta(days=364)}&to={today}"),
    ]


ENDPOINTS = ("overview", "departments", "hotspots")


class Statements:
    """The SQL statements (with parameters) the engine runs while active."""

    def __init__(self, engine):
        self.engine, self.seen, self.active = engine, [], False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.active and statement.lstrip().upper().startswith("SELECT"):
            self.seen.append((statement, parameters))


def explain(app, client, path: str) -> list[str]:
    with app.app_context():
        engine = db.engine
        recorder = Statements(engine)
        recorder.active = True
        client.get(path)
        recorder.active = False
        event.remove(engine, "before_cursor_execute", recorder._record)
        plans = []
        prefix = (
            "EXPLAIN ANALYZE " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        )
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":  # as the request's transaction has it
                from backend.stats.sql import SETTINGS  # (not in --against's older code)

                for name, value in SETTINGS.items():
                    connection.exec_driver_sql(f"SET {name} = '{value}'")
            for statement, parameters in recorder.seen:
                rows = connection.exec_driver_sql(prefix + statement, parameters).all()
                plans.append(statement + "\n" + "\n".join(" | ".join(map(str, r)) for r in rows))
        return plans


def run(url: str, label: str, count: int, runs: int, data_dir: Path, options) -> list:
    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        if _seeded(db.session):
            print(f"{label}: reusing the cases already seeded", flush=True)
        else:
            _prepare(label, count)
        db.session.remove()
        db.engine.dispose()
    if options.against:
        return interleaved(url, label, runs, data_dir, options.against)
    return measure(app, label, runs, options.explain)


def _seeded(session) -> bool:
    try:
        return bool(session.execute(text("SELECT count(*) FROM case_summaries")).scalar())
    except Exception:  # no tables yet
        session.rollback()
        return False


def _prepare(label: str, count: int) -> None:
    """Create the tables, seed ``count`` cases and backfill their summary rows."""
    db.create_all()
    started = time.perf_counter()
    seed(db.session, count)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    with db.engine.begin() as connection:  # what migration 0013 does to an existing city
        if label == "PostgreSQL":
            connection.execute(text("SET LOCAL statement_timeout = 0"))
        summaries = _migration().backfill(connection)
    backfilled = time.perf_counter() - started
    with db.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        if label == "PostgreSQL":
            autocommit.execute(text("SET statement_timeout = 0"))
        autocommit.execute(text("VACUUM ANALYZE" if label == "PostgreSQL" else "ANALYZE"))
    events = db.session.execute(text("SELECT count(*) FROM case_events")).scalar()
    print(f"{label}: seeded {count:,} cases, {events:,} events in {seconds:.1f} s;"
          f" {summaries:,} summary rows backfilled (migration 0013) in {backfilled:.1f} s;"
          f" load average {load_average()}", flush=True)  # fmt: skip


def measure(app, label: str, runs: int, show_plans: bool) -> list:
    client = app.test_client()
    lines = []
    for window, query in windows():
        for name in ENDPOINTS:
            path = f"/api/v1/stats/{name}?{query}"
            first = client.get(path)
            assert first.status_code == 200, (path, first.get_json())
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            lines.append(
                f"| {label} | {name} | {window} | {statistics.median(times):.0f} "
                f"| {percentile(times, 0.9):.0f} |"
            )
            print(lines[-1], f"load {load_average()}", flush=True)
            if show_plans:
                for plan in explain(app, client, path):
                    print(plan, "\n", flush=True)
    with app.app_context():
        db.engine.dispose()
    return lines


def serve(url: str, data_dir: Path) -> None:
    """``--serve``: give the case summaries this code's indexes, then answer paths read from
    stdin with the milliseconds each request took."""
    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        if schema := os.environ.get("STATS_BENCH_SCHEMA"):  # --against's copy, first
            event.listen(db.engine, "connect", lambda dbapi, _record: _search(dbapi, schema))
            db.engine.dispose()
        _own_indexes(db.engine)
    client = app.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        start = time.perf_counter()
        response = client.get(line.strip())
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.get_json()
        print(f"{elapsed:.3f}", flush=True)


def _search(dbapi_connection, schema: str) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET search_path = {schema}, public")
    dbapi_connection.commit()


def _own_indexes(engine) -> None:
    """Drop the case summaries' indexes this code's models lack, create those they have."""
    table = db.metadata.tables["case_summaries"]
    wanted = {index.name for index in table.indexes}
    with engine.begin() as connection:
        schema = None  # PostgreSQL: the schema the search path finds first (--against's copy)
        if engine.dialect.name == "postgresql":
            schema = connection.execute(text("SELECT current_schema()")).scalar()
        present = {i["name"] for i in inspect(connection).get_indexes("case_summaries", schema)}
        for name in present - wanted:
            connection.execute(text(f"DROP INDEX {name}"))
        for index in table.indexes:
            if index.name not in present:
                index.create(connection)
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        postgresql = engine.dialect.name == "postgresql"
        autocommit.execute(text("VACUUM ANALYZE case_summaries" if postgresql else "ANALYZE"))


class Server:
    """A ``--serve`` process of the code in ``code``."""

    def __init__(self, url: str, code: str, data_dir: Path, schema: str = ""):
        env = {**os.environ, "STATS_BENCH_CODE": code, "STATS_BENCH_SCHEMA": schema}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, "--data-dir", str(data_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env, cwd=code,
        )  # fmt: skip
        assert self.process.stdout.readline().strip() == "ready", code

    def get(self, path: str) -> float:
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def against_copy(url: str) -> tuple[str, str]:
    """A copy of the summary rows for the other code; answers its database URL and the
    PostgreSQL schema to search first (SQLite: a copy of the file, no schema)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        shutil.copyfile(path, path + ".against")
        return url + ".against", ""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("DROP SCHEMA IF EXISTS bench_against CASCADE"))
        connection.execute(text("CREATE SCHEMA bench_against"))
        connection.execute(
            text("CREATE TABLE bench_against.case_summaries AS TABLE public.case_summaries")
        )
        connection.execute(
            text("ALTER TABLE bench_against.case_summaries ADD PRIMARY KEY (case_id)")
        )
    engine.dispose()
    return url, "bench_against"


def interleaved(url: str, label: str, runs: int, data_dir: Path, against: str) -> list:
    copy, schema = against_copy(url)
    other = Server(copy, against, data_dir, schema)
    ours = Server(url, str(Path(__file__).resolve().parents[1]), data_dir)
    lines = []
    try:
        for window, query in windows():
            for name in ENDPOINTS:
                path = f"/api/v1/stats/{name}?{query}"
                times = {other: [], ours: []}
                other.get(path), ours.get(path)  # warm-up
                for i in range(runs):
                    for server in (other, ours) if i % 2 else (ours, other):
                        times[server].append(server.get(path))
                before, after = (statistics.median(times[s]) for s in (other, ours))
                lines.append(
                    f"| {label} | {name} | {window} | {before:.0f} | {after:.0f} "
                    f"| {percentile(times[ours], 0.9):.0f} | {before / after:.1f}x "
                    f"| {load_average()} |"
                )
                print(lines[-1], flush=True)
    finally:
        other.close(), ours.close()
    return lines


def with_postgres(count, runs, data_dir, options) -> list:
    with scratch_postgres(options.pg_database, keep=options.keep) as url:
        return run(url, "PostgreSQL", count, runs, data_dir, options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed requests per query")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-database", help="name of the scratch PostgreSQL database")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the PostgreSQL database (or --sqlite-file) for a later run, which reuses it",
    )
    parser.add_argument("--sqlite-file", help="the SQLite database file (default: a scratch one)")
    parser.add_argument("--against", metavar="DIR", help="another checkout to compare with")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)  # see Server
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.data_dir)
    print(f"machine: {machine()}")
    print(
        f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}", flush=True
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.db == "sqlite":
            url = f"sqlite:///{args.sqlite_file or folder / 'bench.db'}"
            lines = run(url, "SQLite", args.cases, args.runs, folder / "data", args)
        else:
            lines = with_postgres(args.cases, args.runs, folder / "data", args)
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}")
    print()
    if args.against:
        print(f"| database | endpoint | window | {args.against} p50 ms | p50 ms | p90 ms"
              " | ratio | load |")  # fmt: skip
        print("|---|---|---|---:|---:|---:|---:|---|")
    else:
        print("| database | endpoint | window | p50 ms | p90 ms |")
        print("|---|---|---|---:|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
