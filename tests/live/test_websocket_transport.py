"""Websockets go out uncompressed: a browser's permessage-deflate offer is declined."""

import base64
import os
import socket
from urllib.parse import urlsplit

import pytest

from tests.live_support import GEVENT, WAIT, ServerProcess, gunicorn_gevent, server_env

OFFER = "permessage-deflate; client_max_window_bits"  # what Chromium sends


def _handshake(url: str) -> tuple[str, int]:
    """Open the Socket.IO websocket as a browser would; the server's answer head and the
    first byte of its first frame (Engine.IO's open packet)."""
    address = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {address.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Extensions: {OFFER}\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=WAIT) as sock:
        sock.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < 1:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    head, frames = received.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), frames[0]


@pytest.fixture(scope="module")
def gevent_server(_schema, database_url, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gevent-live")
    env = server_env(database_url, data_dir) | GEVENT
    server = ServerProcess(env, data_dir / "server.log", command=gunicorn_gevent)
    yield server
    server.stop()


@pytest.mark.parametrize("serving", ["live_server", "gevent_server"])
def test_a_browsers_deflate_offer_is_declined_and_frames_go_uncompressed(serving, request):
    server = request.getfixturevalue(serving)
    head, first_byte = _handshake(server.url)
    status, *headers = head.split("\r\n")
    assert " 101 " in status, head
    names = {line.split(":", 1)[0].strip().lower() for line in headers}
    assert "sec-websocket-extensions" not in names, head
    assert first_byte == 0x81, hex(first_byte)  # FIN + text, RSV1 (compressed) not set
