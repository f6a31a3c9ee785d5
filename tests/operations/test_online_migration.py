"""Migrations while the old version serves: the version that ran on 0018 (taken from git, the
commit before 0017 was added) serves a city of 1,000,000 cases from gunicorn's gevent worker,
as deployed, while today's ``flask db upgrade`` runs beside it. Residents browse (list, case
page, pins) and file reports, and staff accept cases, all through the migration; every
request must succeed, none may wait long, and afterwards the schema is the models' and
every row is where it belongs.

Why these bounds: a request that queued behind a lock on ``cases`` would wait for the
lock holder's whole statement or transaction (an index build or a backfill over a million
rows: tens of seconds), or fail at the app's statement timeout. A request here takes a few
tens of milliseconds, several hundred on a loaded two-core machine where the migration's
tokenizer and PostgreSQL share the cores with the app. ``SLOWEST`` (2 s) is far above that
and far below any lock wait worth the name; ``LOCK_WAIT`` (1 s) bounds the longest time any
of the app's statements was seen waiting for a lock in ``pg_stat_activity`` (row locks
of a backfill batch last one batch: about a tenth of a second).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
import requests
from alembic.script import ScriptDirectory

from backend import config, create_app
from backend.auth import service as auth_service
from backend.auth.permissions import OPERATOR
from backend.departments import service as department_service
from backend.extensions import db
from tests.foundation.test_migrations import _schema_diff
from tests.helpers import PASSWORD, ROOT
from tests.live_support import GEVENT, ServerProcess, gunicorn_gevent, server_env
from tests.scaled.support import fresh_database
from tests.services import IN_CI, POSTGRES_URL, require_service

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

CASES = 1_000_000
OLD_HEAD = "0018"  # the schema the old version runs on
FIRST_NEW = "migrations/versions/0017_case_search.py"  # the first migration it does not know
SLOWEST = 2.0  # seconds: the longest any request may take during the migration
LOCK_WAIT = 1.0  # seconds: the longest any app statement may be seen waiting on a lock
PAUSE = 0.1  # seconds between rounds of a client: traffic, not a stress test of the machine
HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
BBOX = "121.30,31.10,121.70,31.50"  # where the seeded cases are

# One statement each, on the server: ids and references spread like the app's, one case in
# ten still submitted (staff accept those during the migration), the rest closed.
SEED_CASES = """
INSERT INTO cases (id, reporter_id, category_id, department_id, status, priority, lat, lon,
    address, title, description, answers, anonymous, escalated, supporters_count,
    comments_count, reopen_count, hidden, version, source, created_at, updated_at,
    admins_alerted, reference, closed_at)
SELECT 100000000 + g * 7, NULL, %(category)s, %(department)s,
    CASE WHEN g %% 10 = 0 THEN 'submitted' ELSE 'closed' END, 'normal',
    31.1 + (g %% 997) * 0.0004, 121.3 + (g %% 991) * 0.0004,
    'No. ' || g || ' Main Road', NULL, 'Pothole number ' || g || ' by the gate', '{}',
    false, false, 0, 0, 0, false, 1, 'web', t, t, false,
    'RD-2001-' || CASE WHEN g < 1000 THEN lpad(g::text, 4, '0') ELSE g::text END,
    CASE WHEN g %% 10 = 0 THEN NULL ELSE t END
FROM generate_series(1, %(n)s) AS g,
    LATERAL (SELECT now() - g * interval '1 minute' AS t) AS moment
"""
SEED_SUMMARIES = """
INSERT INTO case_summaries (case_id, created_at, closed_at, due_at, category_id,
    department_id, status, hidden, lat, lon, assigned, transferred, resolved_once, reworked,
    on_time)
SELECT id, created_at, closed_at, due_at, category_id, department_id, status, hidden, lat,
    lon, 0, 0, 0, 0, CASE WHEN status = 'closed' THEN 1 ELSE 0 END
FROM cases
"""
PLAIN_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes AS i
WHERE tablename IN ('cases', 'case_summaries')
    AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
"""
LOCK_WAITS = """
SELECT coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0)
FROM pg_stat_activity WHERE application_name = 'old-version' AND wait_event_type = 'Lock'
"""


def _git(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True, **options)


@pytest.fixture(scope="module")
def old_version(tmp_path_factory) -> Path:
    """The code of the commit before ``FIRST_NEW`` was added, unpacked in a folder."""
    try:
        added = _git("log", "--diff-filter=A", "--format=%H", "--", FIRST_NEW, text=True)
        commit = added.stdout.split()[-1] + "^"
        archive = _git("archive", "--format=tar", commit, "backend", "migrations", "wsgi.py")
    except (OSError, subprocess.CalledProcessError, IndexError) as exc:
        message = f"the old version is not in this checkout's git history: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("old-version")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@pytest.fixture(scope="module")
def scratch_db():
    require_service("PostgreSQL", POSTGRES_URL.replace("+psycopg", ""))
    url = fresh_database("online")
    yield url
    with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def _flask(code: Path, env: dict, *args: str, timeout: float = 300) -> float:
    """``flask --app wsgi ARGS`` run from ``code``; answers how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=code, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return time.monotonic() - started


@dataclass
class People:
    department: int
    category: int
    reporter: dict
    staff: dict


def _people(database_url: str, data_dir: Path) -> People:
    """A department, its category, a resident and a member of staff with their tokens (the
    tables of these are the same in both versions)."""
    app = create_app(
        config.TestingConfig(), SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=data_dir
    )
    with app.app_context():
        roads = department_service.create_department(
            db.session, OPERATOR, {"code": "roads", "name": "Roads"}
        )
        pothole = department_service.create_category(
            db.session, OPERATOR,
            {"code": "pothole", "name": "Pothole", "department": "roads", "sla_hours": 48},
        )  # fmt: skip
        tokens = []
        for role, departments in (("resident", []), ("staff", ["roads"])):
            user = auth_service.create_user(
                db.session, email=f"{role}@example.org", password=PASSWORD,
                display_name=role.title(), role=role, departments=departments, head_of=[],
            )  # fmt: skip
            raw = auth_service.issue_token(db.session, user, ttl_days=1)
            tokens.append({"Authorization": f"Bearer {raw}"})
        db.session.commit()
        people = People(roads.id, pothole.id, *tokens)
        db.engine.dispose()
    return people


def _seed(database_url: str, people: People) -> None:
    """``CASES`` cases and their statistics rows in SQL, indexes built after the rows."""
    with psycopg.connect(_libpq(database_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET session_replication_role = replica")  # no foreign key checks
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(PLAIN_INDEXES).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        params = {"category": people.category, "department": people.department, "n": CASES}
        conn.execute(SEED_CASES, params)
        conn.execute(SEED_SUMMARIES)
        for _, definition in indexes:
            conn.execute(definition)
    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases, case_summaries")


def serve_old_version(code: Path, env: dict, log_path: Path) -> ServerProcess:
    """The old code on gunicorn's gevent worker, as ``scripts/serve-production`` runs it."""
    return ServerProcess(
        env | GEVENT, log_path, command=gunicorn_gevent, cwd=code, ready_timeout=60
    )


@dataclass
class Traffic:
    """Requests sent in loops until stopped: what each kind took, and what went wrong."""

    url: str
    people: People
    submitted: list[int]  # seeded cases still submitted, for staff to accept
    stop: threading.Event = field(default_factory=threading.Event)
    timings: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    filed: list[int] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)

    def send(self, session: requests.Session, kind: str, method: str, path: str, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, self.url + path, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.failures.append(f"{kind}: {exc!r}")
            return None
        self.timings.setdefault(kind, []).append(time.monotonic() - started)
        if not response.ok:
            self.failures.append(f"{kind}: {response.status_code} {response.text[:200]}")
            return None
        return response.json()

    def browse(self, seed: int) -> None:
        rng, session = random.Random(seed), requests.Session()
        while not self.stop.wait(PAUSE):
            self.reads(session, rng)

    def reads(self, session: requests.Session, rng: random.Random) -> None:
        case_id = 100000000 + 7 * rng.randrange(1, CASES + 1)
        self.send(session, "list", "GET", "/api/v1/cases")
        self.send(session, "case page", "GET", f"/api/v1/cases/{case_id}")
        self.send(session, "pins", "GET", f"/api/v1/cases/pins?bbox={BBOX}")

    def work(self) -> None:
        session = requests.Session()
        report = {"category": "pothole", "lat": 31.3, "lon": 121.5, "description": "New hole"}
        while not self.stop.wait(PAUSE):
            filed = self.send(session, "file a case", "POST", "/api/v1/cases", json=report,
                              headers=self.people.reporter)  # fmt: skip
            if filed is not None:
                self.filed.append(filed["id"])
            case_id = self.submitted.pop()
            accepted = self.send(session, "transition", "POST",
                                 f"/api/v1/cases/{case_id}/transitions",
                                 json={"action": "accept"}, headers=self.people.staff)  # fmt: skip
            if accepted is not None:
                self.accepted.append(case_id)


def _watch_lock_waits(database_url: str, stop: threading.Event, longest: list[float]) -> None:
    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        while not stop.wait(0.05):
            longest.append(float(conn.execute(LOCK_WAITS).fetchone()[0]))


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_migrations_run_on_a_million_cases_while_the_old_version_serves(
    old_version, scratch_db, tmp_path
):
    env = server_env(scratch_db, tmp_path / "data", CITYLOOP_ENV="development")
    _flask(old_version, env, "db", "upgrade", OLD_HEAD)
    people = _people(scratch_db, tmp_path / "data")
    _seed(scratch_db, people)

    served_by_old = env | {"DATABASE_URL": scratch_db + "?application_name=old-version"}
    old = serve_old_version(old_version, served_by_old, tmp_path / "old-version.log")
    try:
        submitted = [100000000 + 7 * g for g in range(10, CASES + 1, 10)]
        random.Random(17).shuffle(submitted)
        traffic = Traffic(old.url, people, submitted)
        traffic.reads(requests.Session(), random.Random())  # the old version serves
        assert traffic.failures == []
        traffic.timings.clear()

        lock_waits: list[float] = []
        threads = [threading.Thread(target=traffic.browse, args=(n,)) for n in range(2)]
        threads += [
            threading.Thread(target=traffic.work),
            threading.Thread(target=_watch_lock_waits, args=(scratch_db, traffic.stop, lock_waits)),
        ]
        for thread in threads:
            thread.start()
        try:
            # What is tested is the requests beside it, not how long the upgrade takes: with
            # other work on both cores it has taken over 300 s.
            took = _flask(ROOT, env | {"DATABASE_URL": scratch_db + "?application_name=new"},
                          "db", "upgrade", timeout=900)  # fmt: skip
        finally:
            traffic.stop.set()
            for thread in threads:
                thread.join(timeout=60)
    finally:
        old.stop()
    print(f"\nmigration: {took:.1f} s; requests: "
          + ", ".join(f"{k} {len(v)} (max {max(v):.2f} s)" for k, v in traffic.timings.items())
          + f"; longest lock wait seen: {max(lock_waits, default=0):.2f} s")  # fmt: skip

    assert traffic.failures == [], traffic.failures[:10]
    assert set(traffic.timings) == {"list", "case page", "pins", "file a case", "transition"}
    slowest = {kind: max(times) for kind, times in traffic.timings.items()}
    assert max(slowest.values()) < SLOWEST, slowest
    assert max(lock_waits, default=0) < LOCK_WAIT
    assert len(traffic.filed) >= 5 and len(traffic.accepted) >= 5  # writes went on throughout

    # What the new version's first sweep does: index the cases filed after the catch-up.
    _flask(ROOT, env, "sla", "sweep")
    with psycopg.connect(_libpq(scratch_db)) as conn:
        cases = _count(conn, "cases")
        assert cases == CASES + len(traffic.filed)
        assert _count(conn, "case_summaries") == cases
        assert _count(conn, "case_search") == cases
        assert _count(conn, "case_events") == len(traffic.filed) + len(traffic.accepted)
        statuses = conn.execute(
            "SELECT status, count(*) FROM cases WHERE id = ANY(%s) GROUP BY status",
            [traffic.accepted],
        ).fetchall()
        assert statuses == [("accepted", len(traffic.accepted))]
        assert conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_case_search_document'::regclass"
        ).fetchone() == (True,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]

    new = create_app(config.TestingConfig(), SQLALCHEMY_DATABASE_URI=scratch_db, DATA_DIR=tmp_path)
    with new.app_context():
        assert _schema_diff() == []
        found = new.test_client().get("/api/v1/cases?q=RD-2001-123457").get_json()
        assert [item["id"] for item in found["items"]] == [100000000 + 7 * 123457]
        db.engine.dispose()
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
