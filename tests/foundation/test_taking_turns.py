"""Under gevent each connection takes its turn: a client that always has its next request
ready cannot hold the process while another connection waits (backend/turns.py)."""

import socket
from urllib.parse import urlsplit

import pytest

from backend.turns import taking_turns
from tests.live_support import GEVENT, WAIT, ServerProcess, gunicorn_gevent, server_env

QUEUED = 300  # requests one connection has ready at once (pipelined)
ASK = b"GET /healthz HTTP/1.1\r\nHost: cityloop\r\n\r\n"


@pytest.fixture(scope="module")
def gevent_server(_schema, database_url, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gevent-turns")
    env = server_env(database_url, data_dir) | GEVENT
    server = ServerProcess(env, data_dir / "server.log", command=gunicorn_gevent)
    yield server
    server.stop()


def _received_so_far(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    received = b""
    try:
        while chunk := sock.recv(1 << 20):
            received += chunk
    except BlockingIOError:
        pass
    sock.setblocking(True)
    return received


def _answers(received: bytes) -> int:
    return received.count(b"HTTP/1.1 ")


def test_a_connection_with_requests_queued_does_not_hold_another_back(gevent_server):
    address = urlsplit(gevent_server.url)
    busy = socket.create_connection((address.hostname, address.port), timeout=WAIT)
    other = socket.create_connection((address.hostname, address.port), timeout=WAIT)
    with busy, other:
        busy.sendall(ASK * QUEUED)
        other.sendall(ASK)
        assert other.recv(65536).startswith(b"HTTP/1.1 200")
        received = _received_so_far(busy)
        answered_before = _answers(received)
        # Served in turn, the other connection's one request came before most of the
        # busy one's; without turns it waited for all of them.
        assert answered_before < QUEUED / 2, answered_before
        while _answers(received) < QUEUED:  # and the busy one's all come, none lost
            chunk = busy.recv(1 << 20)
            assert chunk, f"closed after {_answers(received)} answers"
            received += chunk
        assert _answers(received) == QUEUED


def test_outside_gevent_the_app_is_left_as_it_is():
    def app(environ, start_response):
        return []

    assert taking_turns(app, "threading") is app
