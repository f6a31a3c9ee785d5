"""The server's copy of anonymous answers (backend.publiccache): a repeat sends no SQL, every
kind of change is seen by the next read, nobody signed in gets or leaves a copy, processes
sharing Redis see each other's changes, and Redis going away only turns the copies off."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from backend import publiccache
from backend.aftercommit import after_commit
from backend.auth import personal_data
from backend.cases.models import Case
from backend.db import utcnow
from backend.extensions import db, socketio
from tests.conftest import _build_app
from tests.helpers import PASSWORD, hide, sql_statements
from tests.imagegen import jpeg
from tests.services import REDIS_URL, require_service


def _urls(case) -> list[str]:
    return [
        "/api/v1/cases?per_page=20",
        "/api/v1/cases/pins",
        f"/api/v1/cases/{case.id}",
    ]


def _get(client, url, **headers):
    """An anonymous GET, and how many statements answering it sent."""
    with sql_statements() as sent:
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 304), (url, response.get_json())
    return response, len(sent)


def _fresh(app, client, url) -> tuple[int, bytes]:
    """The answer made now, from the database (the copies dropped first)."""
    publiccache.cache_of(app).entries.clear()
    return _answer(client, url)


def _answer(client, url) -> tuple[int, bytes]:
    response = client.get(url)
    return response.status_code, response.data if response.status_code == 200 else b""


@pytest.fixture
def case(make_case):
    return make_case("submitted", title="Pothole on Fuzhou Rd")


def test_a_repeat_is_answered_from_the_copy(client, case):
    for url in _urls(case):
        first, statements = _get(client, url)
        assert statements > 0
        again, statements = _get(client, url)
        assert statements == 0, url
        assert again.data == first.data
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == "no-cache"
        assert again.headers["Vary"] == first.headers["Vary"]
        assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]


def test_the_copy_answers_304_and_keeps_gzip_apart(client, case):
    url = "/api/v1/cases?per_page=20"
    first, _ = _get(client, url)
    again, statements = _get(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data, statements) == (304, b"", 0)
    zipped, _ = _get(client, url, **{"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") in (None, "gzip")
    zipped_again, statements = _get(client, url, **{"Accept-Encoding": "gzip"})
    assert statements == 0 and zipped_again.data == zipped.data
    plain, statements = _get(client, url)
    assert statements == 0 and plain.data == first.data
    assert "Content-Encoding" not in plain.headers


def _sent_headers(response) -> list[tuple[str, str]]:
    """What a client sees of the headers (in any order), but the two made anew each time."""
    fresh = ("x-request-id", "date")
    return sorted((k, v) for k, v in response.headers if k.lower() not in fresh)


@pytest.fixture
def apps_own_answers(app, monkeypatch):
    """How many requests reached the app behind the middleware that replays copies."""
    hits = app.wsgi_app
    assert isinstance(hits, publiccache.AnswerHits)
    reached = []
    behind = hits.wsgi_app

    def counted(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return behind(environ, start_response)

    monkeypatch.setattr(hits, "wsgi_app", counted)
    return reached


def _through_app(client, url, **headers):
    """The same request with an unrelated cookie: the middleware leaves it to the app."""
    client.set_cookie("unrelated", "1")
    try:
        return _get(client, url, **headers)[0]
    finally:
        client.delete_cookie("unrelated")


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_replayed_copy_is_what_the_app_sends(client, case, apps_own_answers, encoding):
    """A plain repeat is answered before the app, exactly as the app answers it from the copy
    (a request with a cookie goes through the app): the same status, headers and body, 200
    and 304, a new request id."""
    for url in _urls(case):
        path = url.partition("?")[0]
        first, _ = _get(client, url, **{"Accept-Encoding": encoding})
        apps_own_answers.clear()
        replayed, statements = _get(client, url, **{"Accept-Encoding": encoding})
        assert (apps_own_answers, statements) == ([], 0), url
        through_app = _through_app(client, url, **{"Accept-Encoding": encoding})
        assert apps_own_answers == [path]
        for answer in (replayed, through_app):
            assert (answer.status_code, answer.data) == (200, first.data), url
            assert _sent_headers(answer) == _sent_headers(first), url
            assert answer.headers["Date"] and answer.headers["X-Request-Id"]
        assert replayed.headers["X-Request-Id"] != first.headers["X-Request-Id"]
        etag = {"If-None-Match": first.headers["ETag"], "Accept-Encoding": encoding}
        not_modified, _ = _get(client, url, **etag)
        via_app = _through_app(client, url, **etag)
        assert not_modified.status_code == via_app.status_code == 304
        assert _sent_headers(not_modified) == _sent_headers(via_app), url
        assert not_modified.data == b""
        assert apps_own_answers == [path] * 2


def test_a_replay_keeps_the_request_id_and_is_counted_and_logged(
    client, case, apps_own_answers, caplog
):
    from backend.metrics import REQUESTS

    url = f"/api/v1/cases/{case.id}"
    _get(client, url)
    label = ("/api/v1/cases/<int:case_id>", "GET", "200")
    before = REQUESTS.labels(*label)._value.get()
    apps_own_answers.clear()
    with caplog.at_level("INFO", logger="cityloop.request"):
        replayed, _ = _get(client, url, **{"X-Request-Id": "from-nginx-1234"})
    assert apps_own_answers == []
    assert replayed.headers["X-Request-Id"] == "from-nginx-1234"
    assert REQUESTS.labels(*label)._value.get() == before + 1
    [line] = [r for r in caplog.records if r.name == "cityloop.request"]
    assert (line.method, line.path, line.status) == ("GET", url, 200)


@pytest.mark.parametrize(
    "header",
    [
        {"If-Match": '"x"'},
        {"If-Modified-Since": "Sun, 06 Dec 2026 00:00:00 GMT"},
        {"Range": "bytes=0-10"},
        {"Authorization": "Bearer not-a-token"},
    ],
    ids=lambda header: next(iter(header)),
)
def test_what_the_middleware_cannot_judge_goes_to_the_app(client, case, apps_own_answers, header):
    url = f"/api/v1/cases/{case.id}"
    _get(client, url)
    apps_own_answers.clear()
    client.get(url, headers=header)
    assert apps_own_answers == [url]
    assert client.head(url).status_code == 200 and len(apps_own_answers) == 2


def test_query_order_does_not_matter_but_values_do(client, case):
    _get(client, "/api/v1/cases?per_page=5&status=submitted")
    _, statements = _get(client, "/api/v1/cases?status=submitted&per_page=5")
    assert statements == 0
    other, statements = _get(client, "/api/v1/cases?status=closed&per_page=5")
    assert statements > 0 and other.get_json()["items"] == []


@pytest.mark.parametrize("who", ["resident", "staff", "admin"])
def test_signed_in_requests_neither_get_nor_leave_a_copy(client, case, token_for, city, who):
    url = f"/api/v1/cases/{case.id}"
    anonymous, _ = _get(client, url)
    headers = token_for(getattr(city, who))
    signed_in, statements = _get(client, url, **headers)
    assert statements > 0
    assert signed_in.get_json()["viewer"] != anonymous.get_json()["viewer"]
    publiccache.cache_of(client.application).entries.clear()
    _get(client, url, **headers)
    assert len(publiccache.cache_of(client.application).entries) == 0
    refused = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401


def test_a_cookie_session_gets_no_copy(client, case, city, csrf):
    url = f"/api/v1/cases/{case.id}"
    _get(client, url)
    body = {"email": city.resident.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=body, headers=csrf()).status_code == 200
    mine, statements = _get(client, url)
    assert statements > 0
    assert mine.get_json()["viewer"]["can"]["follow"] is True
    assert mine.headers["Cache-Control"] == "private, no-cache"


def test_an_anonymous_cookie_session_still_gets_the_copy(client, case, csrf):
    url = f"/api/v1/cases/{case.id}"
    csrf()  # the visitor's browser now holds a session cookie, with a CSRF token only
    assert client.get_cookie("cityloop_session") is not None
    _get(client, url)
    again, statements = _get(client, url)
    assert statements == 0
    assert again.get_json()["viewer"]["can"]["follow"] is False


# --- every kind of change is seen by the next read --------------------------------------------


def _new_case(client, city, case, as_role):
    body = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Another hole."}
    assert client.post("/api/v1/cases", json=body, headers=as_role("resident")).status_code == 201


def _transition(client, city, case, as_role):
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"}, headers=as_role("admin")
    )
    assert response.status_code == 200, response.get_json()


def _comment(client, city, case, as_role):
    response = client.post(
        f"/api/v1/cases/{case.id}/comments", json={"body": "Me too!"}, headers=as_role("resident")
    )
    assert response.status_code == 201, response.get_json()


def _comment_deleted(client, city, case, as_role, make_comment):
    comment = make_comment(case, city.resident)
    _get(client, f"/api/v1/cases/{case.id}")  # the copy counts it
    response = client.delete(f"/api/v1/comments/{comment.id}", headers=as_role("admin"))
    assert response.status_code in (200, 204), response.get_json()


def _support(client, city, case, as_role):
    response = client.post(f"/api/v1/cases/{case.id}/support", headers=as_role("resident"))
    assert response.status_code == 201, response.get_json()


def _photo(client, city, case, as_role):
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions",
        data={"action": "reject", "reason": "Not ours", "photos": [(io.BytesIO(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
        headers=as_role("admin"),
    )
    assert response.status_code in (200, 422), response.get_json()
    if response.status_code == 422:  # reject takes no photo: the case filed with one instead
        form = {"category": "pothole", "lat": "31.23", "lon": "121.47", "description": "Hole."}
        form["photos"] = [(io.BytesIO(jpeg()), "a.jpg")]
        created = client.post(
            "/api/v1/cases",
            data=form,
            content_type="multipart/form-data",
            headers=as_role("resident"),
        )
        assert created.status_code == 201, created.get_json()


def _hidden(client, city, case, as_role):
    hide(client, as_role("volunteer"), "case", case.id)


def _restored(client, city, case, as_role):
    volunteer = as_role("volunteer")
    hide(client, volunteer, "case", case.id)
    _get(client, "/api/v1/cases?per_page=20")  # the copy without it
    body = {
        "action": "restore",
        "items": [{"target_type": "case", "target_id": case.id}],
        "reason": "Fine after all",
    }
    response = client.post("/api/v1/moderation/actions", json=body, headers=volunteer)
    assert response.status_code == 200, response.get_json()


def _category_renamed(client, city, case, as_role):
    response = client.patch(
        "/api/v1/categories/pothole", json={"name": "Road damage"}, headers=as_role("admin")
    )
    assert response.status_code == 200, response.get_json()


def _department_changed(client, city, case, as_role):
    response = client.patch(
        "/api/v1/departments/roads", json={"name": "Streets"}, headers=as_role("admin")
    )
    assert response.status_code == 200, response.get_json()


def _city_setting(client, city, case, as_role):
    response = client.patch(
        "/api/v1/admin/settings", json={"reopen_days": 9}, headers=as_role("admin")
    )
    assert response.status_code == 200, response.get_json()


def _reporter_erased(client, city, case, as_role):
    personal_data.erase(db.session, city.reporter.id)
    db.session.commit()


def _plain_sql(client, city, case, as_role):
    db.session.execute(text("UPDATE cases SET title = 'Renamed by SQL'"))
    db.session.commit()


def _core_bulk(client, city, case, as_role):
    with db.engine.begin() as connection:
        connection.execute(Case.__table__.update().values(title="Renamed by Core"))


CHANGES = [
    _new_case, _transition, _comment, _comment_deleted, _support, _photo, _hidden, _restored,
    _category_renamed, _department_changed, _city_setting, _reporter_erased, _plain_sql,
    _core_bulk,
]  # fmt: skip
# The changes a setting makes are not shown to anonymous readers; the version moves anyway.
SHOWN_NOWHERE = {_city_setting}


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_kind_of_change_is_seen_by_the_next_read(
    app, client, city, case, as_role, make_comment, change
):
    before = {url: _answer(client, url) for url in _urls(case)}
    version = publiccache.cache_of(app).version.current()
    arguments = (client, city, case, as_role)
    change(*arguments, make_comment) if change is _comment_deleted else change(*arguments)
    assert publiccache.cache_of(app).version.current() != version
    after = {url: _answer(client, url) for url in _urls(case)}
    for url in _urls(case):
        assert after[url] == _fresh(app, client, url), url
    if change not in SHOWN_NOWHERE:
        assert after != before


def test_after_commit_callbacks_see_the_new_version(app, case):
    """A socket event goes out after the commit: a client reading at once gets the change."""
    version = publiccache.cache_of(app).version.current()
    seen = []
    after_commit(db.session, lambda: seen.append(publiccache.cache_of(app).version.current()))
    db.session.execute(text("UPDATE cases SET title = 'told at once'"))
    db.session.commit()
    assert seen and seen[0] != version


def test_each_commit_moves_the_version_once(app, case, monkeypatch):
    """Once per commit, in a session or not (with Redis each move is a round trip)."""
    version = publiccache.cache_of(app).version
    moves = []
    monkeypatch.setattr(version, "bump", lambda: moves.append(1))
    db.session.execute(text("UPDATE cases SET title = 'once'"))
    db.session.commit()
    db.session.close()  # the connection goes back to the pool
    assert len(moves) == 1
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE cases SET title = 'once more'"))
    assert len(moves) == 2


def test_a_rollback_does_not_move_the_version(app, client, case):
    version = publiccache.cache_of(app).version.current()
    db.session.execute(text("UPDATE cases SET title = 'never'"))
    db.session.rollback()
    assert publiccache.cache_of(app).version.current() == version
    db.session.execute(text("SELECT 1"))
    db.session.commit()  # a read-only commit is no change either
    assert publiccache.cache_of(app).version.current() == version


def test_private_writes_do_not_move_the_version(app, city, token_for):
    version = publiccache.cache_of(app).version.current()
    token_for(city.resident)  # an auth_tokens row
    assert publiccache.cache_of(app).version.current() == version


# --- time -------------------------------------------------------------------------------------


def test_a_copy_does_not_outlive_a_due_time(app, client, case):
    case.due_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    url = f"/api/v1/cases/{case.id}"
    first, _ = _get(client, url)
    assert first.get_json()["overdue"] is False
    [entry] = [e for k, e in publiccache.cache_of(app).entries._entries.items() if url in k]
    assert entry.expires <= case.due_at.timestamp()


def test_time_filtered_lists_are_never_kept(app, client, case):
    for query in ("overdue=true", "at_risk=true"):
        _get(client, f"/api/v1/cases?{query}")
        _, statements = _get(client, f"/api/v1/cases?{query}")
        assert statements > 0, query


def test_a_copy_expires_after_the_bound(app, client, case, monkeypatch):
    url = "/api/v1/cases/pins"
    _get(client, url)
    later = publiccache.time.time() + app.config["PUBLIC_CACHE_SECONDS"] + 1
    monkeypatch.setattr(publiccache.time, "time", lambda: later)
    _, statements = _get(client, url)
    assert statements > 0


def test_memory_is_bounded():
    entries = publiccache.Entries(max_bytes=100)
    entry = publiccache.Entry("1", float("inf"), b"x" * 40, ())
    for key in "abc":
        entries.put(key, entry)
    assert entries.size == 80 and len(entries) == 2
    assert entries.get("a", "1") is None and entries.get("c", "1") is entry
    entries.put("big", publiccache.Entry("1", float("inf"), b"x" * 101, ()))
    assert entries.get("big", "1") is None


def test_a_burst_of_misses_makes_the_copy_once():
    entries = publiccache.Entries(max_bytes=100)
    flights = publiccache.Flights(entries)
    entry = publiccache.Entry("1", float("inf"), b"made once", ())
    started = threading.Event()

    def make():
        with flights.making("key", "1"):
            started.set()
            time.sleep(0.2)
            entries.put("key", entry)

    maker = threading.Thread(target=make)
    maker.start()
    started.wait()
    assert flights.wait("key", "1") is entry  # waited for it instead of making it again
    maker.join()
    assert flights.wait("key", "2") is None  # nobody makes that version: make it


# --- Redis ------------------------------------------------------------------------------------


def _on_redis(application, url: str) -> None:
    """What ``REDIS_URL`` gives the cache, without giving it to the app (the rate limiter is
    one object for every app of the test run: it would keep the URL)."""
    cache = publiccache.cache_of(application)
    cache.version = publiccache.RedisVersion(url, on_failure=cache.entries.clear)


def test_redis_url_puts_the_version_in_redis():
    cache = publiccache.PublicCache(1000, 5, REDIS_URL)
    assert isinstance(cache.version, publiccache.RedisVersion)
    assert isinstance(publiccache.PublicCache(1000, 5, None).version, publiccache.LocalVersion)


@pytest.fixture
def redis_apps(_schema, database_url, tmp_path):
    """Two apps (two processes' worth of copies) sharing one Redis."""
    require_service("Redis", REDIS_URL)
    settings = {"SQLALCHEMY_DATABASE_URI": database_url}
    apps = [_build_app(**settings, DATA_DIR=tmp_path / f"data{n}") for n in (1, 2)]
    for application in apps:
        _on_redis(application, REDIS_URL)
    yield apps
    for application in apps:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_apps_sharing_redis_see_each_others_changes(app, city, case, token_for, redis_apps):
    one, two = (application.test_client() for application in redis_apps)
    url, admin = f"/api/v1/cases/{case.id}", token_for(city.admin)
    db.session.rollback()  # SQLite: the test's session must not hold the write lock
    with redis_apps[1].app_context():
        _get(two, url)
        assert _get(two, url)[1] == 0
    with redis_apps[0].app_context():
        response = one.post(url + "/transitions", json={"action": "accept"}, headers=admin)
        assert response.status_code == 200
    time.sleep(publiccache.VERSION_MEMO_SECONDS)  # how long a process trusts its last read
    with redis_apps[1].app_context():
        answer, statements = _get(two, url)
        assert statements > 0
        assert answer.get_json()["status"] == "accepted"


def test_a_process_goes_by_the_version_it_read_a_moment_and_by_its_own_at_once(monkeypatch):
    require_service("Redis", REDIS_URL)
    now = [1000.0]
    monkeypatch.setattr(publiccache.time, "monotonic", lambda: now[0])
    one, two = (publiccache.RedisVersion(REDIS_URL, on_failure=lambda: None) for _ in "12")
    read = two.current()
    one.bump()
    assert one.current() != read  # its own bump: at once
    assert two.current() == read  # another's: not within the memo
    now[0] += publiccache.VERSION_MEMO_SECONDS
    assert two.current() == one.current()


def test_an_event_from_another_process_is_read_after_its_change(
    _schema, database_url, tmp_path, monkeypatch
):
    """A socket event relayed through Redis comes after its process's bump: on it, the memo
    goes, so a client told of a change reads it from this process at once."""
    require_service("Redis", REDIS_URL)
    application = _build_app(
        SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=REDIS_URL, DATA_DIR=tmp_path / "data"
    )
    now = [1000.0]
    monkeypatch.setattr(publiccache.time, "monotonic", lambda: now[0])
    here = publiccache.cache_of(application).version
    read = here.current()
    publiccache.RedisVersion(REDIS_URL, on_failure=lambda: None).bump()  # the other process
    assert here.current() == read  # within the memo
    relayed = {"method": "emit", "event": "case.event", "data": {}, "namespace": "/",
               "room": "case:1", "skip_sid": None, "callback": None}  # fmt: skip
    socketio.server.manager._handle_emit(relayed)
    assert here.current() != read


def test_redis_down_means_no_copies_never_an_error(app, client, case, monkeypatch):
    url = f"/api/v1/cases/{case.id}"
    _get(client, url)  # a copy made before Redis went away: dropped at the first failure
    monkeypatch.setattr(publiccache, "REDIS_RETRY_SECONDS", 0)
    cache = publiccache.cache_of(app)  # nothing listens on port 1:
    down = publiccache.RedisVersion("redis://127.0.0.1:1/0", on_failure=cache.entries.clear)
    monkeypatch.setattr(cache, "version", down)
    for _ in range(2):
        _, statements = _get(client, url)
        assert statements > 0
    assert len(publiccache.cache_of(app).entries) == 0
    db.session.execute(text("UPDATE cases SET title = 'still fine'"))
    db.session.commit()  # the bump fails quietly
    assert _get(client, url)[0].get_json()["title"] == "still fine"


def test_the_cache_can_be_turned_off(_schema, database_url, tmp_path, case):
    url = f"/api/v1/cases/{case.id}"
    db.session.rollback()
    application = _build_app(
        SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_CACHE_BYTES=0, DATA_DIR=tmp_path / "off"
    )
    try:
        with application.app_context():
            assert publiccache.cache_of(application) is None
            client = application.test_client()
            _get(client, url)
            assert _get(client, url)[1] > 0
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
