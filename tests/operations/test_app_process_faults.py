"""An app process is killed (SIGKILL) mid-request, in the scaled city (`scripts/run-scaled`:
two gunicorn processes sharing PostgreSQL and Redis). A report with a photo and a transition
are inside their transactions, waiting on a lock the test holds on `case_events`, when the
gunicorn worker serving them dies. Nothing of either is left in the database; the desk
socket that was on that process reconnects to the other one and replays, through `since`,
what happened meanwhile: the two requests, retried there with their Idempotency-Keys."""

import contextlib
import io
import os
import signal
import threading
import time

import psycopg
import pytest
import requests

from tests.imagegen import jpeg
from tests.live_support import WAIT
from tests.scaled.support import ScaledCity, fresh_database, require_scaled_services
from tests.services import REDIS_URL

pytestmark = [pytest.mark.scaled, pytest.mark.postgresql_only, pytest.mark.redis, pytest.mark.slow]

PENDING_SECONDS = 2  # CITYLOOP_IDEMPOTENCY_PENDING_SECONDS for this set
REPORT = {"category": "pothole", "lat": "31.23", "lon": "121.47", "description": "Hole"}
TABLES = ("cases", "case_events", "case_photos", "case_followers", "notifications",
          "outgoing_mail")  # fmt: skip


@pytest.fixture(scope="module")
def killed_db():
    require_scaled_services()
    return fresh_database("killed")


@pytest.fixture(scope="module")
def scaled(killed_db, tmp_path_factory):
    city = ScaledCity(
        killed_db,
        tmp_path_factory.mktemp("killed"),
        CITYLOOP_IDEMPOTENCY_PENDING_SECONDS=str(PENDING_SECONDS),
    )
    yield city
    city.stop()


@pytest.fixture
def app_overrides(killed_db):
    return {"SQLALCHEMY_DATABASE_URI": killed_db, "REDIS_URL": REDIS_URL}


def _connect(database_url: str, **options) -> psycopg.Connection:
    return psycopg.connect(database_url.replace("+psycopg", ""), **options)


def _counts(database_url: str) -> dict[str, int]:
    with _connect(database_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _media_files(scaled) -> int:
    return sum(1 for _ in (scaled.data_dir / "media").rglob("*.jpg"))


def _waiting_on_case_events(conn, count: int) -> list[int]:
    """The backends (pids) of ``count`` requests stopped at their INSERT into case_events:
    waiting for a table's lock, and the only one held is case_events' (a filing's single
    statement starts with the reference counter, and its text is cut short in the view)."""
    deadline = time.monotonic() + 3 * WAIT
    while time.monotonic() < deadline:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'relation'"
        )]  # fmt: skip
        if len(pids) == count:
            return pids
        time.sleep(0.05)  # polling PostgreSQL's view of its sessions: nothing to await
    sessions = conn.execute(
        "SELECT pid, state, wait_event_type, left(query, 60) FROM pg_stat_activity"
        " WHERE datname = current_database()"
    ).fetchall()
    raise AssertionError(f"expected {count} requests waiting on case_events: {sessions}")


def _gone(database_url: str, pids: list[int]) -> None:
    with _connect(database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 3 * WAIT
        while time.monotonic() < deadline:
            alive = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
            ).fetchone()[0]
            if alive == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"the killed process's database sessions {pids} stayed")


def _send_report(url: str, headers: dict, photo: bytes) -> requests.Response:
    files = {"photos": ("photo.jpg", io.BytesIO(photo), "image/jpeg")}
    return requests.post(f"{url}/api/v1/cases", data=REPORT, files=files,
                         headers=headers | {"Idempotency-Key": "report-1"}, timeout=30)  # fmt: skip


def _send_accept(url: str, headers: dict, case_id: int) -> requests.Response:
    return requests.post(f"{url}/api/v1/cases/{case_id}/transitions", json={"action": "accept"},
                         headers=headers | {"Idempotency-Key": "accept-1"}, timeout=30)  # fmt: skip


def _in_background(send, *args) -> tuple[threading.Thread, list]:
    outcome = []

    def run():
        try:
            outcome.append(send(*args))
        except requests.ConnectionError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _retry_until_free(send, *args) -> requests.Response:
    """What the PWA's outbox does: a 409 request_in_progress is sent again later."""
    deadline = time.monotonic() + PENDING_SECONDS + 3 * WAIT
    while True:
        response = send(*args)
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        assert response.json()["error"]["code"] == "request_in_progress"
        time.sleep(0.5)


def test_a_process_killed_mid_request_leaves_nothing_half_written(
    app, scaled, killed_db, city, make_case, live_client, token_for
):
    a, b = scaled.app_urls
    case = make_case()
    with _connect(killed_db) as conn:
        seen = conn.execute("SELECT max(id) FROM case_events").fetchone()[0]
    desk = live_client(a, city.staff)
    assert desk.subscribe("department:roads")["ok"]
    before, files_before = _counts(killed_db), _media_files(scaled)
    reporter, staff = token_for(city.reporter), token_for(city.staff)
    photo = jpeg()

    with _connect(killed_db) as lock:
        lock.execute("LOCK TABLE case_events IN SHARE MODE")  # inserts wait; reads go on
        requests_on_a = [_in_background(_send_report, a, reporter, photo),
                         _in_background(_send_accept, a, staff, case.id)]  # fmt: skip
        with _connect(killed_db, autocommit=True) as watch:  # a fresh view each read
            blocked = _waiting_on_case_events(watch, 2)
        assert _media_files(scaled) == files_before + 2  # the report's renditions are written
        killed = scaled.serving_pid(0)
        os.kill(killed, signal.SIGKILL)
        for thread, outcome in requests_on_a:
            thread.join(timeout=WAIT)
            assert isinstance(outcome[0], requests.ConnectionError), outcome
    # The lock is gone: the blocked INSERTs run, then their sessions find the client gone.
    _gone(killed_db, blocked)

    assert _counts(killed_db) == before  # no case, no event, no photo row, no mail, nothing
    with _connect(killed_db) as conn:
        assert conn.execute("SELECT status FROM cases WHERE id = %s", [case.id]).fetchone() == (
            "submitted",
        )
    desk.wait_for("disconnected")

    report = _retry_until_free(_send_report, b, reporter, photo)
    assert report.status_code == 201, report.text
    accepted = _retry_until_free(_send_accept, b, staff, case.id)
    assert accepted.status_code == 200, accepted.text
    after = _counts(killed_db)
    assert after["cases"] == before["cases"] + 1
    assert after["case_events"] == before["case_events"] + 2
    assert after["case_photos"] == before["case_photos"] + 1
    assert _media_files(scaled) == files_before + 2  # the same renditions, not a second set

    again = live_client(b, city.staff)  # where nginx sends the desk while A restarts
    missed = again.subscribe("department:roads", since=seen)["missed"]
    assert [(e["case_id"], e["event"]["action"]) for e in missed] == [
        (report.json()["id"], "submit"),
        (case.id, "accept"),
    ]
    assert _healthy(a) and scaled.serving_pid(0) != killed  # gunicorn's master replaced it


def _healthy(url: str) -> bool:
    deadline = time.monotonic() + 6 * WAIT
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/healthz", timeout=WAIT).ok:
                return True
        time.sleep(0.2)  # a new worker is starting: nothing to await
    return False
