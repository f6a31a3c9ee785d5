"""Fixtures for live updates, notifications, push and jobs (loaded by tests/conftest.py).

- ``socket_client(user=None, token=None, client=None)``: Flask-SocketIO's test client, for
  permission and ack tests where a real server adds nothing;
- ``live_server``: ``python wsgi.py`` in a subprocess on loopback, sharing the test
  database (one per test session); ``live_client(token=...)``: a real websocket client;
- ``make_notification``, ``browser_keys`` and ``push_service`` (a Web Push service on
  loopback that checks VAPID and decrypts what it receives).
"""

from __future__ import annotations

import contextvars

import pytest
from flask import has_app_context

from backend.extensions import db, socketio
from backend.notify import service as notify_service
from tests.live_support import LiveClient, ServerProcess, server_env
from tests.push_service import BrowserKeys, FakePushService


@pytest.fixture(autouse=True)
def _keep_socketio_server():
    """A dedicated app (``app_overrides``) re-binds the one ``socketio`` extension; put the
    shared app's server back afterwards so later tests do not inherit, say, Redis."""
    saved = socketio.server
    yield
    socketio.server = saved


class IsolatedSocketClient:
    """Flask-SocketIO's test client, each call in a context of its own (as
    ``tests.conftest.IsolatedClient`` does for HTTP): handlers then get their own app
    context, ``g`` and database session, like on a real server, instead of the test's."""

    def __init__(self, connect):
        self._client = self._isolated(connect)()

    @staticmethod
    def _isolated(function):
        def run(*args, **kwargs):
            if has_app_context():
                db.session.rollback()
            return contextvars.Context().run(function, *args, **kwargs)

        return run

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        return self._isolated(attribute) if callable(attribute) else attribute


@pytest.fixture
def socket_client(app, token_for):
    """Connect a Flask-SocketIO test client: as ``user`` (by bearer token), with an explicit
    ``token``, or with a Flask test ``client``'s cookies; anonymous by default."""
    opened = []

    def factory(user=None, *, token: str | None = None, client=None, auth=None):
        if user is not None:
            token = token_for(user)["Authorization"].split()[1]
        if token is not None:
            auth = {"token": token}
        connection = IsolatedSocketClient(
            lambda: socketio.test_client(app, auth=auth, flask_test_client=client)
        )
        opened.append(connection)
        return connection

    yield factory
    for connection in opened:
        if connection.is_connected():
            connection.disconnect()


def subscribe(connection, room: str, since: int | None = None) -> dict:
    """Emit ``subscribe`` on a test client and return the ack."""
    body = {"room": room} if since is None else {"room": room, "since": since}
    return connection.emit("subscribe", body, callback=True)


def received(connection, name: str) -> list:
    """The payloads of every ``name`` event the test client got so far (and forget them)."""
    return [e["args"][0] for e in connection.get_received() if e["name"] == name]


def comments_heard(connection) -> list[dict]:
    """``{"change", "comment"}`` for every comment change on a case the test client heard of
    so far, in order (and forget all it received): a new one arrives in its ``case.event``,
    later changes as ``case.comment``."""
    heard = []
    for frame in connection.get_received():
        payload = frame["args"][0]
        if frame["name"] == "case.event" and "comment" in payload:
            heard.append({"change": "created", "comment": payload["comment"]})
        elif frame["name"] == "case.comment":
            heard.append({"change": payload["change"], "comment": payload["comment"]})
    return heard


@pytest.fixture(scope="session")
def live_server(_schema, database_url, tmp_path_factory):
    """One real server process for the whole run; tests share it and the test database."""
    data_dir = tmp_path_factory.mktemp("live-data")
    server = ServerProcess(server_env(database_url, data_dir), data_dir / "server.log")
    yield server
    server.stop()


@pytest.fixture
def live_client(app, token_for):
    """Open real websocket clients to a server URL; all are closed after the test."""
    opened = []

    def factory(url: str, user=None, *, token: str | None = None, headers=None) -> LiveClient:
        if user is not None:
            token = token_for(user)["Authorization"].split()[1]
        connection = LiveClient(url, token=token, headers=headers)
        opened.append(connection)
        return connection.connect()

    yield factory
    for connection in opened:
        connection.close()


@pytest.fixture
def make_notification(app):
    def factory(user, *, kind: str = "case_update", text: str = "Case #1 moved", **fields):
        created = notify_service.notify(
            db.session,
            [user.id],
            kind=kind,
            target_type=fields.pop("target_type", "case"),
            target_id=fields.pop("target_id", 1),
            text=text,
        )
        db.session.commit()
        return created[0] if created else None

    return factory


@pytest.fixture
def browser_keys():
    return BrowserKeys()


@pytest.fixture
def push_service():
    service = FakePushService()
    yield service
    service.stop()
