"""Broadcasts written once (backend/live/fanout.py), over gunicorn's gevent worker as in
production, emitted from outside the server through Redis as a job worker does.

Each broadcast carries a sequence number; every client must get every one, in order, whether
the server wrote it straight out or queued it: with a client that stops reading (its kernel
buffers fill, the server must queue for it alone and keep writing to the others), with
clients vanishing mid-broadcast, and with frames large enough to be written in part.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
import socketio as socketio_lib

from backend.live import fanout
from tests.live_support import GEVENT, WAIT, ServerProcess, gunicorn_gevent, server_env
from tests.services import REDIS_URL, require_service

pytestmark = pytest.mark.redis

CHANNEL = f"cityloop-fanout-test-{uuid.uuid4().hex[:8]}"


def test_frames_are_rfc6455_server_frames():
    assert fanout.frame(b"42[]") == b"\x81\x0442[]"
    assert fanout.frame(b"x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert fanout.frame(b"x" * 70000)[:10] == b"\x81\x7f" + struct.pack("!Q", 70000)
    assert fanout.frame(b"\x00", 0x2) == b"\x82\x01\x00"


class RawClient:
    """A Socket.IO client on a bare websocket whose reading the test controls: after
    subscribing it reads nothing until told to (a slow phone on a bad network)."""

    def __init__(self, url: str, room: str, receive_buffer: int | None = None):
        address = urlsplit(url)
        self.sock = socket.socket()
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(WAIT)
        self.sock.connect((address.hostname, address.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {address.netloc}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Key: {key}\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        assert self.message().startswith("0")  # Engine.IO open
        self.send("40")
        assert self.message().startswith("40")  # Socket.IO connect
        self.send("421" + json.dumps(["subscribe", {"room": room}]))
        while True:
            message = self.message()
            if message.startswith("431"):
                assert json.loads(message[3:])[0]["ok"], message
                break

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        assert chunk, "server closed the connection"
        return chunk

    def send(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert len(payload) < 126
        self.sock.sendall(bytes((0x81, 0x80 | len(payload))) + mask + masked)

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def message(self) -> str:
        """The next text message (answering Engine.IO pings on the way)."""
        while True:
            first, second = self._take(2)
            assert first & 0x70 == 0 and second & 0x80 == 0, (first, second)  # no RSV, no mask
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._take(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._take(8))[0]
            data = self._take(size)
            assert first & 0x80, "fragmented frame"
            if first & 0x0F != 0x1:
                continue
            text = data.decode()
            if text == "2":
                self.send("3")
                continue
            return text

    def sequence(self, count: int) -> list[int]:
        numbers = []
        while len(numbers) < count:
            message = self.message()
            if message.startswith("42"):
                name, data = json.loads(message[2:])
                if name == "seq":
                    numbers.append(data["n"])
        return numbers

    def abort(self) -> None:
        """Vanish: a reset, not a close handshake."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


@pytest.fixture(scope="module")
def gevent_redis_server(_schema, database_url, tmp_path_factory):
    require_service("Redis", REDIS_URL)
    data_dir = tmp_path_factory.mktemp("fanout-live")
    env = server_env(database_url, data_dir, REDIS_URL=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL)
    server = ServerProcess(env | GEVENT, data_dir / "server.log", command=gunicorn_gevent)
    yield server
    server.stop()


@pytest.fixture
def emitter():
    """Emits into the server from outside, through Redis, as a job worker does."""
    manager = socketio_lib.RedisManager(REDIS_URL, channel=CHANNEL, write_only=True)

    def emit(room: str, n: int, size: int = 0) -> None:
        manager.emit("seq", {"n": n, "pad": "x" * size}, namespace="/", room=room)

    return emit


def _sequence(client, count: int, timeout: float = 4 * WAIT) -> list[int]:
    numbers, deadline = [], time.monotonic() + timeout
    while len(numbers) < count and time.monotonic() < deadline:
        try:
            name, data = client.events.get(timeout=max(0.01, deadline - time.monotonic()))
        except Exception:
            break
        if name == "seq":
            numbers.append(data["n"])
    return numbers


def test_a_client_that_stops_reading_holds_up_no_one_and_misses_nothing(
    gevent_redis_server, live_client, make_case, emitter
):
    room = f"case:{make_case().id}"
    slow = RawClient(gevent_redis_server.url, room, receive_buffer=4096)
    fast = [live_client(gevent_redis_server.url) for _ in range(3)]
    for client in fast:
        assert client.subscribe(room)["ok"]
    count = 90
    for n in range(count):  # 7.5 MB in all, more than the kernel buffers (4 MB at most here):
        emitter(room, n, 2**19 if n % 6 == 0 else 10)  # written whole, in part, then queued
    for client in fast:  # the others get everything while the slow client reads nothing
        # (three clients in this process taking 7.5 MB each: slow on a loaded machine)
        assert _sequence(client, count, timeout=12 * WAIT) == list(range(count))
    assert requests.get(gevent_redis_server.url + "/healthz", timeout=WAIT).ok
    slow.sock.settimeout(4 * WAIT)
    assert slow.sequence(count) == list(range(count))  # then it gets it all, in order
    slow.abort()


def test_clients_vanishing_mid_broadcast_leave_the_others_in_order(
    gevent_redis_server, live_client, make_case, emitter
):
    room = f"case:{make_case().id}"
    doomed = [RawClient(gevent_redis_server.url, room, receive_buffer=4096) for _ in range(10)]
    stayer = RawClient(gevent_redis_server.url, room)
    watcher = live_client(gevent_redis_server.url)
    assert watcher.subscribe(room)["ok"]
    count = 60
    for n in range(count):
        emitter(room, n, 20000)
        if n % 6 == 0:
            doomed.pop().abort()
    assert _sequence(watcher, count) == list(range(count))
    assert stayer.sequence(count) == list(range(count))
    stayer.abort()
    # the server is healthy, and the room still reaches a newcomer
    newcomer = live_client(gevent_redis_server.url)
    assert newcomer.subscribe(room)["ok"]
    emitter(room, 999)
    assert _sequence(newcomer, 1) == [999]


def test_a_room_reset_still_reaches_listeners_and_empties_the_room(
    gevent_redis_server, live_client, make_case, emitter
):
    """Access is checked anew on ``room.reset``: the fan-out sends the reset like any emit,
    and the closed room reaches no one until they subscribe again."""
    case = make_case()
    room = f"case:{case.id}"
    watcher = live_client(gevent_redis_server.url)
    assert watcher.subscribe(room)["ok"]
    manager = socketio_lib.RedisManager(REDIS_URL, channel=CHANNEL, write_only=True)
    manager.emit("room.reset", {"room": room}, namespace="/", room=room)
    manager.close_room(room, namespace="/")
    assert watcher.wait_for("room.reset") == {"room": room}
    time.sleep(0.3)  # the close reaches the server
    emitter(room, 1)
    assert _sequence(watcher, 1, timeout=1.0) == []
    assert watcher.subscribe(room)["ok"]
    emitter(room, 2)
    assert _sequence(watcher, 1) == [2]


def test_the_lane_still_fits_the_installed_libraries():
    """What the lane leans on beyond public options: python-engineio's gevent driver table
    with simple-websocket's wrapper in it, and gevent's socket keeping a non-blocking OS
    socket as ``_sock``. If an upgrade breaks either, broadcasts go the stock way (correct,
    not faster): this test says so."""
    import gevent.socket

    server = socketio_lib.Server(async_mode="gevent")
    assert fanout.install(server)
    assert server.eio._async["websocket"].__name__ == "LaneWebSocket"
    with gevent.socket.socket() as sock:
        assert fanout._raw_socket(sock) is not None
    threading = socketio_lib.Server(async_mode="threading")
    assert not fanout.install(threading)  # the embedded server keeps the stock path
