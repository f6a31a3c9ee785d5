"""Uploads never block others: photos are decoded and rendered with no database transaction
open (on SQLite a POST's transaction holds the write lock, ``BEGIN IMMEDIATE``), files a
failed request wrote are deleted, and refused photos count against the creation budget."""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from backend.cases.models import CasePhoto
from backend.extensions import db, limiter
from backend.media import uploads
from backend.proposals.models import ProposalPhoto
from tests import imagegen

FORM = {"category": "pothole", "description": "Broken kerb, see photo.", "lat": "31.2"}
FORM["lon"] = "121.4"


def _multipart(fields: dict, *pictures: bytes) -> dict:
    return {**fields, "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(pictures)]}


def _files(app) -> list:
    root = app.config["DATA_DIR"] / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _sqlite_write_lock_is_free(app) -> bool:
    """Another connection can start a write transaction without waiting at all."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return True
    probe = sqlite3.connect(url.database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:  # "database is locked"
        return False
    finally:
        probe.close()


@pytest.fixture
def seen_while_processing(app, monkeypatch):
    """What held while photos were being processed: an open transaction, the write lock."""
    seen = []
    real = uploads.process_photos

    def spy(files):
        seen.append((db.session().in_transaction(), _sqlite_write_lock_is_free(app)))
        return real(files)

    monkeypatch.setattr(uploads, "process_photos", spy)
    return seen


def _create_case(client, city, token_for, make_case):
    return client.post(
        "/api/v1/cases",
        data=_multipart(FORM, imagegen.jpeg(), imagegen.png()),
        content_type="multipart/form-data",
        headers=token_for(city.reporter),
    )


def _resolve(client, city, token_for, make_case):
    case = make_case("in_progress")
    return client.post(
        f"/api/v1/cases/{case.id}/transitions",
        data=_multipart({"action": "resolve", "note": "Fixed"}, imagegen.jpeg()),
        content_type="multipart/form-data",
        headers=token_for(city.staff),
    )


def _verify(client, city, token_for, make_case):
    case = make_case("resolved")
    return client.post(
        f"/api/v1/cases/{case.id}/transitions",
        data=_multipart({"action": "confirm"}, imagegen.jpeg()),
        content_type="multipart/form-data",
        headers=token_for(city.volunteer),
    )


def _propose(client, city, token_for, make_case):
    return client.post(
        "/api/v1/proposals",
        data=_multipart({"title": "A bench", "body": "By the lake."}, imagegen.jpeg()),
        content_type="multipart/form-data",
        headers=token_for(city.resident),
    )


@pytest.mark.parametrize("send", [_create_case, _resolve, _verify, _propose])
def test_photos_are_processed_outside_any_transaction(
    send, client, city, token_for, make_case, seen_while_processing
):
    response = send(client, city, token_for, make_case)
    assert response.status_code in (200, 201), response.get_json()
    assert seen_while_processing == [(False, True)]


def test_a_refusal_after_the_files_were_written_leaves_none(client, app, city, token_for):
    """The files are written before the rows; an unknown category is found only then."""
    response = client.post(
        "/api/v1/cases",
        data=_multipart({**FORM, "category": "no-such-category"}, imagegen.jpeg()),
        content_type="multipart/form-data",
        headers=token_for(city.reporter),
    )
    assert 400 <= response.status_code < 500, response.get_json()
    assert _files(app) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CasePhoto)) == 0


def test_a_failed_proposal_deletes_the_files_it_wrote(client, app, city, token_for, monkeypatch):
    from backend.proposals import service

    monkeypatch.setattr(service, "publish_update", lambda *a, **k: 1 / 0)
    response = _propose(client, city, token_for, None)
    assert response.status_code == 500
    assert _files(app) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProposalPhoto)) == 0


# --- three large uploads while others follow and comment -----------------------------------

UPLOADS = 3
LARGE = 5  # photos an upload, each a 12-megapixel JPEG
SLOW_HOST_SECONDS = 2.5


def _large_upload(app, headers: dict, pictures: list[bytes], results: list, start) -> None:
    client = app.test_client()
    start.wait()
    response = client.post(
        "/api/v1/cases",
        data=_multipart(FORM, *pictures),
        content_type="multipart/form-data",
        headers=headers,
    )
    results.append(("upload", response.status_code, response.get_data(as_text=True)[:200]))


def _others(app, case_id: int, people: list[dict], results: list, start, uploading) -> None:
    """Follow, unfollow and comment as other people until every upload has answered."""
    client = app.test_client()
    start.wait()
    turn = 0
    while uploading.is_set() or turn < len(people):
        headers = people[turn % len(people)]
        url = f"/api/v1/cases/{case_id}"
        for method, path, body in (
            ("POST", "/follow", None),
            ("POST", "/comments", {"body": f"Same here ({turn})"}),
            ("DELETE", "/follow", None),
        ):
            response = client.open(url + path, method=method, json=body, headers=headers)
            results.append((path, response.status_code, response.get_data(as_text=True)[:200]))
        turn += 1


def test_three_large_uploads_do_not_fail_anyone_else(
    app, city, make_user, make_case, token_for, monkeypatch
):
    """Seen on SQLite: 500s on follow and comment while 3 uploads ran. Each upload's photo
    work is stretched to what it takes on a busy 2-core host, so that three of them holding
    the write lock in turn would outlast SQLite's 5 s busy timeout."""
    real = uploads.process_photos

    def slow(files):
        time.sleep(SLOW_HOST_SECONDS)
        return real(files)

    monkeypatch.setattr(uploads, "process_photos", slow)
    case = make_case("accepted")
    big = [
        imagegen.encode(imagegen.picture(4000 + i, 3000), "JPEG", quality=95) for i in range(LARGE)
    ]
    uploaders = [token_for(make_user("resident")) for _ in range(UPLOADS)]
    people = [token_for(make_user("resident")) for _ in range(4)]
    results: list = []
    start, uploading = threading.Barrier(UPLOADS + 2), threading.Event()
    uploading.set()
    upload_threads = [
        threading.Thread(target=_large_upload, args=(app, h, big, results, start))
        for h in uploaders
    ]
    others = [
        threading.Thread(target=_others, args=(app, case.id, pair, results, start, uploading))
        for pair in (people[:2], people[2:])
    ]
    db.session.rollback()  # hold no lock while the threads run
    limiter.enabled = False  # budgets have their own tests; this is about the database
    started = time.monotonic()
    try:
        for thread in upload_threads + others:
            thread.start()
        for thread in upload_threads:
            thread.join(timeout=120)
        uploading.clear()
        for thread in others:
            thread.join(timeout=60)
    finally:
        limiter.enabled = True
    failed = [r for r in results if r[1] >= 500]
    assert failed == [], failed
    assert sorted(r[1] for r in results if r[0] == "upload") == [201] * UPLOADS, results
    comments = [r for r in results if r[0] == "/comments"]
    assert comments and all(r[1] == 201 for r in comments), comments
    assert time.monotonic() - started < 120
