"""The server's copy of the answers anonymous people read again and again (the case list, the
map's pins, a case's page, the categories), so that a repeat costs a lookup instead of the
queries and the dump.

An answer is kept per normalised URL (path, host and query, its parameters in name order)
and per gzip-or-not, exactly as it was sent (body and headers, already compressed). It is
valid while the **public data version** has not changed since it was made. The version
changes after the commit of any transaction that wrote a row an answer can show: every
table but :data:`PRIVATE_TABLES` (sessions, tokens, notifications and the like), whatever
code path wrote it (the ORM, bulk statements, Core or plain SQL through the app's engine).
Over-invalidating is cheap; missing a table would serve a stale city.

- With ``REDIS_URL`` the version lives in Redis. A process reads it at most every
  ``VERSION_MEMO_SECONDS`` (3 ms) and sees its own bumps at once, so a bump in one process
  is seen by every other within 3 ms of its commit. Redis unreachable: no caching (each
  request is answered from the database) until it answers again, and the local copies are
  dropped so that none made before the outage comes back.
- Without Redis (one process: the embedded mode) the version is a counter in the process.

A repeat is answered before Flask sees it (:class:`AnswerHits`, a WSGI middleware): the copy
keeps the status line and headers the app sent the first time, after every hook, and only
the request id and the date are made anew; metrics and the log line are written as the app
writes them. A request the middleware cannot judge on its own (a cookie, an ``If-Match``,
``If-Modified-Since`` or ``Range``, a body) goes through the app, which answers it from the
copy as well.

Only anonymous requests use the cache: no Authorization header (valid or not), no remember
cookie, no cookie session naming a user (a visitor's session holding only a CSRF token is
anonymous). Any other request is answered as before and its answer is not kept.

Two bounds cover what no bump sees (a write by another program, a CLI command without Redis,
an answer read from a lagging replica): an entry lives at most ``PUBLIC_CACHE_SECONDS``, and
never past the moment its answer changes by itself (a case passing its due time becomes
``overdue``: see :func:`answer_changes_at`). Memory is bounded: ``PUBLIC_CACHE_BYTES`` of
bodies per process, least recently used out first.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, g, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.http import (
    http_date,
    is_resource_modified,
    parse_accept_header,
    remove_entity_headers,
)

from backend.auth.session import may_be_signed_in
from backend.compression import compress_json
from backend.logs import log_request, request_id_from
from backend.metrics import record_answer

log = logging.getLogger(__name__)

# Tables no public answer shows: writing them (many signed-in requests do) leaves the copies.
PRIVATE_TABLES = frozenset(
    {
        "audit_log",
        "auth_tokens",
        "api_keys",
        "user_sessions",
        "idempotency_keys",
        "notifications",
        "notification_preferences",
        "push_subscriptions",
        "push_deliveries",
        "outgoing_mail",
        "saved_places",
        "case_followers",
        "proposal_followers",
        "case_summaries",
        "recurring_problems",
    }
)
# Plain SQL that starts otherwise is taken for a write (of any table).
_READING = ("SELECT", "SHOW", "SET", "PRAGMA", "EXPLAIN", "BEGIN", "SAVEPOINT", "RELEASE")
EXTENSION = "cityloop.public_cache"
_CHANGES_AT = "public_cache_changes_at"
# In a plain request's environ: a list to put the copy it is answered with (a list, as
# Socket.IO's middleware hands the app a copy of the environ).
_KEPT = "cityloop.public_cache.kept"
# What a kept answer keeps of its headers (the rest is per request: its id, limits, cookies).
_KEPT_HEADERS = frozenset({"content-type", "etag", "cache-control", "vary", "content-encoding"})
REDIS_TIMEOUT = 0.25  # seconds: a slow Redis must not hold requests up
REDIS_RETRY_SECONDS = 1.0  # after a failure, no caching (and no Redis call) for this long
VERSION_KEY = "cityloop:public-data-version"
# How long a process goes by the version it last read from Redis (a GET per request would
# cost a round trip each): another process's bump is seen this long after its commit at most.
VERSION_MEMO_SECONDS = 0.003


# --- the version ------------------------------------------------------------------------------


class LocalVersion:
    """The version as a counter of this process (no Redis: one process serves the city)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def current(self) -> str | None:
        return str(self._value)

    def bump(self) -> None:
        with self._lock:
            self._value += 1


class RedisVersion:
    """The version in Redis, shared by every process; None while Redis does not answer."""

    def __init__(self, url: str, on_failure: Callable[[], None], key: str = VERSION_KEY) -> None:
        from redis import Redis

        self._client = Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        self._key = key
        self._on_failure = on_failure
        self._retry_at = 0.0
        self._memo: str | None = None
        self._memo_until = 0.0  # time.monotonic(): until then the version is self._memo
        self._forgotten_at = 0.0  # a read begun before this is not kept
        self._lock = threading.Lock()  # gevent's, once patched

    def current(self) -> str | None:
        if time.monotonic() < self._memo_until:
            return self._memo
        with self._lock:  # one read at a time: the others wait for it rather than ask too
            started = time.monotonic()
            if started < self._memo_until:
                return self._memo
            if started < self._retry_at:
                return None
            try:
                value = self._client.get(self._key)
                if value is None:  # first use, or Redis lost it: a random start, never a reuse
                    self._client.set(self._key, secrets.randbits(52), nx=True)
                    value = self._client.get(self._key)
            except Exception:
                self._failed("read")
                return None
            return self._remember(value, started)

    def bump(self) -> None:
        with self._lock:  # after any read under way, so that it cannot bring the old one back
            started = time.monotonic()
            try:
                self._remember(self._client.incr(self._key), started)  # seen here at once
            except Exception:  # the others' copies expire within PUBLIC_CACHE_SECONDS
                self._failed("bump")

    def forget(self) -> None:
        """Another process changed something and says so (a socket event): the next read
        asks Redis, and a read begun before now is not kept."""
        self._forgotten_at = time.monotonic()
        self._memo_until = 0.0

    def _remember(self, value, read_at: float) -> str:
        """Go by ``value`` until VERSION_MEMO_SECONDS after the read began: a version used
        is never older than that."""
        self._memo = value.decode() if isinstance(value, bytes) else str(value)
        kept = read_at >= self._forgotten_at
        self._memo_until = read_at + VERSION_MEMO_SECONDS if kept else 0.0
        return self._memo

    def _failed(self, what: str) -> None:
        log.warning("could not %s the version %s in Redis", what, self._key, exc_info=True)
        self._memo_until = 0.0
        self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        self._on_failure()


def keep_per_process(app: Flask, engine: Engine, extension: str, make, writes, name: str) -> None:
    """Keep ``make(seconds, redis_url)`` (a copy of rarely written rows, with a ``version``
    of its own) as ``app.extensions[extension]``, unless ``PUBLIC_CACHE_SECONDS`` is 0, and
    move its version after every commit of ``engine`` that ``writes``."""
    seconds = app.config["PUBLIC_CACHE_SECONDS"]
    if seconds <= 0:
        return
    kept = make(seconds, app.config["REDIS_URL"])
    app.extensions[extension] = kept
    # the version as it is then: it can be swapped after this (a test's RedisVersion)
    bump_after_commits(engine, writes, lambda: kept.version.bump(), name)


def kept_with_version(extension: str):
    """``(the copy kept as extension, its current version)``; the version is None when
    nothing is kept or Redis does not answer (then read the database)."""
    kept = current_app.extensions.get(extension)
    return kept, (kept.version.current() if kept is not None else None)


def version_for(redis_url: str | None, key: str, on_failure: Callable[[], None]):
    """A version of its own for what a process keeps: in Redis under ``key`` when there is
    one (``on_failure`` drops the copies while it does not answer), else in the process."""
    if redis_url:
        return RedisVersion(redis_url, on_failure=on_failure, key=key)
    return LocalVersion()


# --- the copies -------------------------------------------------------------------------------


@dataclass
class Entry:
    version: str
    expires: float  # time.time()
    body: bytes
    headers: tuple[tuple[str, str], ...]
    endpoint: str = ""  # its route rule and path, for the metrics and the log of a replay
    path: str = ""
    replay: Replay | None = None  # set once the app has sent it to a plain request

    def response(self) -> Response:
        return Response(self.body, status=200, headers=list(self.headers))


# Headers made anew for each request a copy answers; a copy whose answer set a cookie or
# spent a rate limit is never replayed.
_FRESH = {"x-request-id", "date"}
_NOT_REPLAYED = ("set-cookie", "x-ratelimit", "retry-after")


@dataclass(frozen=True)
class Replay:
    """A copy's answer as the app sent it, 200 and 304, ready to send again without the
    app; a header's value None stands for the one made anew (:data:`_FRESH`)."""

    etag: str | None
    ok: tuple[tuple[str, str | None], ...]
    not_modified: tuple[tuple[str, str | None], ...]

    @classmethod
    def of(cls, sent: list[tuple[str, str]]) -> Replay | None:
        if any(name.lower().startswith(_NOT_REPLAYED) for name, _ in sent):
            return None
        ok = tuple((name, None if name.lower() in _FRESH else value) for name, value in sent)
        etag = next((value for name, value in sent if name.lower() == "etag"), None)
        # what werkzeug leaves of the headers in a 304 (make_conditional, get_wsgi_headers)
        not_modified = list(ok)
        remove_entity_headers(not_modified)
        return cls(etag, ok, tuple(not_modified))

    def answer(self, environ) -> tuple[str, tuple[tuple[str, str | None], ...], bool]:
        """(status, headers, with the body?) for a plain GET: 304 when its If-None-Match
        names the copy, as ``Response.make_conditional`` decides."""
        if "HTTP_IF_NONE_MATCH" in environ and not is_resource_modified(environ, self.etag):
            return "304 NOT MODIFIED", self.not_modified, False
        return "200 OK", self.ok, True


class Entries:
    """The copies of this process, at most ``max_bytes`` of bodies, least recently used
    out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str, version: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.expires <= time.time():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._entries.pop(key).body)


FLIGHT_WAIT = 2.0  # seconds a request waits for another making the same copy


class Flights:
    """The copies being made, so that a burst of requests for a missing copy makes it once
    (under gevent, threading's Event and Lock are the cooperative ones)."""

    def __init__(self, entries: Entries) -> None:
        self._entries = entries
        self._making: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()

    def wait(self, key: str, version: str) -> Entry | None:
        """The copy another request is making, once made; None if nobody is making it (or it
        was not kept, or took too long): the caller makes it."""
        made = self._making.get((key, version))
        if made is None or not made.wait(FLIGHT_WAIT):
            return None
        return self._entries.get(key, version)

    @contextlib.contextmanager
    def making(self, key: str, version: str):
        with self._lock:
            made = self._making.setdefault((key, version), threading.Event())
        try:
            yield
        finally:
            with self._lock:
                if self._making.get((key, version)) is made:
                    del self._making[(key, version)]
            made.set()


class PublicCache:
    def __init__(self, max_bytes: int, seconds: float, redis_url: str | None) -> None:
        self.entries = Entries(max_bytes)
        self.flights = Flights(self.entries)
        self.seconds = seconds
        self.version = (
            RedisVersion(redis_url, on_failure=self.entries.clear) if redis_url else LocalVersion()
        )

    def bump(self) -> None:
        self.version.bump()


def init_app(app: Flask, engine: Engine) -> None:
    """Keep the copies of ``app`` (unless ``PUBLIC_CACHE_BYTES`` is 0) and bump the version
    after every commit of ``engine`` that wrote public data."""
    config = app.config
    if config["PUBLIC_CACHE_BYTES"] <= 0 or config["PUBLIC_CACHE_SECONDS"] <= 0:
        return
    cache = PublicCache(
        config["PUBLIC_CACHE_BYTES"], config["PUBLIC_CACHE_SECONDS"], config["REDIS_URL"]
    )
    app.extensions[EXTENSION] = cache
    bump_after_commits(engine, writes_public_data, cache.bump, "public_cache")


def cache_of(app: Flask) -> PublicCache | None:
    return app.extensions.get(EXTENSION)


def follow_other_processes(app: Flask, socket_server) -> None:
    """A socket event from another process follows that process's commit and bump: the
    memo of the version is forgotten before the event is passed on, so that a client that
    reads at once on being told reads the change, whichever process it talks to."""
    cache = cache_of(app)
    manager = getattr(socket_server, "manager", None)
    if cache is None or not hasattr(manager, "_handle_emit"):  # no message queue: one process
        return
    handle_emit = manager._handle_emit  # python-socketio's pubsub manager, once per message

    def _handle_emit(message):
        forget = getattr(cache.version, "forget", None)
        if forget is not None:
            forget()
        return handle_emit(message)

    manager._handle_emit = _handle_emit


# --- what bumps it ----------------------------------------------------------------------------


ANY_TABLE = "*"  # what table_written says of a write it cannot name (plain SQL, DDL)


def table_written(statement: str, context) -> str | None:
    """The table a statement the engine ran wrote, ``ANY_TABLE`` when that cannot be told,
    None when it wrote nothing."""
    construct = getattr(getattr(context, "compiled", None), "statement", None)
    if context.isinsert or context.isupdate or context.isdelete:
        return getattr(getattr(construct, "table", None), "name", None) or ANY_TABLE
    if construct is not None and not hasattr(construct, "text"):  # a SELECT or DDL construct
        return ANY_TABLE if getattr(context, "isddl", False) else None
    return None if statement.lstrip().upper().startswith(_READING) else ANY_TABLE  # plain SQL


def writes_public_data(statement: str, context) -> bool:
    """Whether a statement the engine ran may have changed a public answer."""
    table = table_written(statement, context)
    return table is not None and table not in PRIVATE_TABLES


# Plain SQL naming the table it writes first: INSERT INTO t, UPDATE t, DELETE FROM t.
_PLAIN_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?[\s(]', re.I)


def writes_tables(tables: frozenset[str]) -> Callable[[str, object], bool]:
    """Whether a statement the engine ran may have changed a row of ``tables``.

    Plain SQL that begins by naming the one table it writes (``INSERT INTO case_search``,
    as every PostgreSQL filing sends) is taken at its word; any other (a ``WITH``, several
    statements, DDL, a qualified name) may have written anything."""

    def writes(statement: str, context) -> bool:
        table = table_written(statement, context)
        if table == ANY_TABLE:
            named = _PLAIN_WRITE.match(statement)
            if named is not None and ";" not in statement.strip().rstrip(";"):
                table = named.group(1).lower()
        return table == ANY_TABLE or table in tables

    return writes


# (bump, connection info, committed mark) of this thread's last commit, per watch
_committed_here = threading.local()


@event.listens_for(Session, "after_commit", insert=True)
def _session_committed(_session) -> None:
    """A session's commit moves each version it wrote for before its after-commit callbacks
    run (a client told of the change by a socket event reads it at once), once: the
    connection's mark is taken off so its return to the pool does not move it again."""
    pending = getattr(_committed_here, "pending", None)
    if pending:
        _committed_here.pending = {}
        for bump, info, committed in pending.values():
            if info.pop(committed, False):
                bump()


def bump_after_commits(
    engine: Engine, writes: Callable[[str, object], bool], bump: Callable[[], None], name: str
) -> None:
    """Call ``bump`` after every commit of ``engine`` whose transaction ran a statement that
    ``writes(statement, context)`` says may have changed what ``name`` keeps: a connection
    that wrote is marked; its commit marks it committed; right after the commit (a
    session's ``after_commit``) or, for a commit outside a session, when it goes back to
    the pool, ``bump`` runs, so readers from then on see the new rows. A rollback clears
    the mark."""
    wrote, committed = f"cityloop.{name}.wrote", f"cityloop.{name}.committed"

    @event.listens_for(engine, "after_cursor_execute")
    def _noted(connection, _cursor, statement, _parameters, context, _many):
        if not connection.info.get(wrote) and writes(statement, context):
            connection.info[wrote] = True

    @event.listens_for(engine, "commit")
    def _committing(connection):
        if connection.info.pop(wrote, False):
            connection.info[committed] = True
            pending = getattr(_committed_here, "pending", None)
            if pending is None:
                pending = _committed_here.pending = {}
            pending[committed] = (bump, connection.info, committed)

    @event.listens_for(engine, "rollback")
    def _rolled_back(connection):
        connection.info.pop(wrote, None)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info.pop(wrote, None)
        if record.info.pop(committed, False):
            bump()


# --- answering from it ------------------------------------------------------------------------


def answer_changes_at(when: datetime) -> None:
    """The answer being made changes by itself at ``when`` (a case becomes overdue): a copy
    of it must not outlive that moment."""
    if has_request_context():
        earliest = g.get(_CHANGES_AT)
        if earliest is None or when < earliest:
            setattr(g, _CHANGES_AT, when)


def request_key() -> str | None:
    """The copy's name for this request, or None if it may not use a copy (not a GET, or
    it may be signed in)."""
    if request.method != "GET" or may_be_signed_in():
        return None
    return key_of(request.environ)


def key_of(environ) -> str:
    """A copy's name: gzip or not, host, path and the query's parameters in name order (a
    stable sort: repeated names keep their order), as sent."""
    query = "&".join(sorted(environ.get("QUERY_STRING", "").split("&"), key=_name))
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    encoding = "gz" if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")) else "id"
    return f"{encoding} {host}{environ.get('PATH_INFO', '')}?{query}"


@functools.lru_cache(maxsize=64)
def _accepts_gzip(accept_encoding: str | None) -> bool:
    """As ``request.accept_encodings`` (and so the compression hook) reads the header."""
    return accept_encoding is not None and parse_accept_header(accept_encoding).quality("gzip") > 0


def _name(parameter: str) -> str:
    return parameter.partition("=")[0]


def cached(make: Callable[[], Response]) -> Response:
    """The copy of this request's answer if there is a valid one; else ``make()``'s answer,
    kept when it may be (a 200 for an anonymous request). While one request makes a copy,
    the others asking for the same one wait for it (up to ``FLIGHT_WAIT`` seconds) instead
    of all making it at once."""
    cache = cache_of(current_app)
    key = request_key() if cache is not None else None
    version = cache.version.current() if key is not None else None
    if version is None:
        return make()
    entry = cache.entries.get(key, version)
    if entry is None:
        entry = cache.flights.wait(key, version)
    if entry is not None:
        _answered_with(entry)  # not replayable yet? this answer may make it so
        return entry.response()
    with cache.flights.making(key, version):
        response = make()
        kept = _entry(response, version, cache.seconds)
        if kept is not None:
            cache.entries.put(key, kept)
            _answered_with(kept)
    return response


def _answered_with(entry: Entry) -> None:
    kept = request.environ.get(_KEPT)
    if kept is not None:
        kept.append(entry)


def _entry(response: Response, version: str, seconds: float) -> Entry | None:
    if response.status_code != 200 or response.is_streamed or session.modified:
        return None
    expires = time.time() + seconds
    changes_at = g.get(_CHANGES_AT)
    if changes_at is not None:
        expires = min(expires, changes_at.timestamp())
    if expires <= time.time():
        return None
    response = compress_json(response)  # kept as sent: the after-request hook leaves it
    headers = tuple(
        (name, value) for name, value in response.headers if name.lower() in _KEPT_HEADERS
    )
    rule = request.url_rule
    return Entry(
        version, expires, response.get_data(), headers, rule.rule if rule else "", request.path
    )


# --- answering before the app -----------------------------------------------------------------

# What the middleware leaves to the app: whatever may be signed in or sends a body, and the
# conditional headers other than If-None-Match (412s, ranges, dates).
_FOR_THE_APP = (
    "HTTP_AUTHORIZATION",
    "HTTP_COOKIE",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
    "HTTP_TRANSFER_ENCODING",
)


def answer_hits_first(app: Flask) -> None:
    """Put :class:`AnswerHits` in front of the app's WSGI callable (a no-op without the
    cache; tests that take the cache off an app turn the middleware off with it)."""
    if cache_of(app) is not None:
        app.wsgi_app = AnswerHits(app, app.wsgi_app)


class AnswerHits:
    """Answers a plain anonymous GET (:func:`_plain`) whose copy is valid and was sent once
    by the app, without the app: the same status line, headers and body, a new request id
    and date, and the same metrics and log line. Any other request goes to the app; a
    plain one that the app answers from a copy makes that copy replayable."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not _plain(environ):
            return self.wsgi_app(environ, start_response)
        cache = self.app.extensions.get(EXTENSION)
        entry = self._replayable(cache, environ) if cache is not None else None
        if entry is None:
            environ[_KEPT] = kept = []
            return self.wsgi_app(environ, _noting_replay(kept, start_response))
        return _replay(entry, environ, start_response)

    @staticmethod
    def _replayable(cache: PublicCache, environ) -> Entry | None:
        version = cache.version.current()
        if version is None:
            return None
        entry = cache.entries.get(key_of(environ), version)
        return entry if entry is not None and entry.replay is not None else None


def _plain(environ) -> bool:
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("CONTENT_LENGTH", "0") not in (
        "",
        "0",
    ):
        return False
    return not any(name in environ for name in _FOR_THE_APP)


def _noting_replay(kept: list[Entry], start_response):
    """``start_response`` that makes the copy the app answered with replayable, from the
    headers the app sent (after every hook)."""

    def start(status, headers, exc_info=None):
        entry = kept[0] if kept else None
        if entry is not None and entry.replay is None and status == "200 OK":
            entry.replay = Replay.of(headers)
        return start_response(status, headers, exc_info)

    return start


def _replay(entry: Entry, environ, start_response):
    started = time.perf_counter()
    status, headers, with_body = entry.replay.answer(environ)
    fresh = {
        "x-request-id": request_id_from(environ.get("HTTP_X_REQUEST_ID", "")),
        "date": http_date(),
    }
    start_response(
        status, [(name, fresh[name.lower()] if value is None else value) for name, value in headers]
    )
    elapsed = time.perf_counter() - started
    code = int(status[:3])
    record_answer(entry.endpoint, "GET", code, elapsed)
    log_request("GET", entry.path, code, elapsed * 1000, environ.get("REMOTE_ADDR"))
    return [entry.body] if with_body else []
