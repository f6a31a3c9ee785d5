"""Broadcasts written once: each frame is built once and written straight to the sockets that
can take it at once, instead of once per socket through a queue and a writer greenlet.

Why: profiling a broadcast to 1,000 idle websockets (py-spy, gunicorn's gevent worker with
simple-websocket; docs/performance.md, "Live: a broadcast written once") put 59% of the
process's CPU in python-engineio's writer greenlets, one per socket: the queue hand-off and
its timeout (28%), wsproto framing the same text again for every socket (13%) and the
greenlet switches, against 11% in the kernel's ``send`` itself. python-socketio already
encodes the packet once per emit; only the per-socket path was left.

How, through the libraries' extension points as far as they go:

- :class:`FanoutManager` (and :class:`FanoutRedisManager` with Redis) is the ``client_manager``
  that python-socketio and Flask-SocketIO accept. Its ``emit`` builds the Engine.IO packet and
  its websocket frame once, then for each recipient socket on a lane writes the frame with one
  non-blocking ``send`` from the emitting greenlet. The Redis manager delivers other processes'
  emits through the same ``emit`` (python-socketio's pub/sub manager calls the next manager's
  ``emit`` on receipt), so a broadcast from an RQ job or another process takes the same path.
- :class:`LaneWebSocket` is the gevent driver's websocket wrapper (simple-websocket) with a
  lane: it keeps the raw socket, frames what the writer greenlet sends itself (``sendall``:
  simple-websocket's single ``send`` can drop the tail of a partial write) and says whether a
  write is in progress. :func:`install` puts it in the Engine.IO server's driver table
  (``eio._async``; python-engineio has no option for it).

Beyond public options this leans on: ``eio._async``, gevent's ``socket._sock`` (the OS socket),
``server._send_eio_packet`` (what python-socketio's own ``Manager.emit`` calls) and the
undocumented attributes of an Engine.IO socket (``queue``, ``upgraded``, ``closing``,
``check_ping_timeout``); ``tests/live/test_fanout.py`` checks they still fit.

A frame goes straight out only when nothing can be ahead of it: the socket is an upgraded
websocket, not closing, its queue is empty and its writer is not inside a write. Otherwise (a
slow client whose queue holds frames, a polling client, a socket upgrading or closing) the
packet goes the stock way, ``Socket.send``: queued, sent by that socket's writer, in order.
A write that the kernel takes only in part (a slow client's full buffer) queues the rest of the
frame for the writer, so the next frame queues behind it; the emitting greenlet never waits on
one socket, so a slow client never holds up the others. The ping timeout is checked per
packet, as ``Socket.send`` does. Broadcasts with an ack callback or binary attachments, a
connection that negotiated an extension (CityLoop declines them, ``transport.py``) and other
async modes (``python wsgi.py``'s threading) keep the stock path entirely.
"""

from __future__ import annotations

import struct

from engineio import packet as eio_packet
from engineio.socket import Socket as EngineSocket
from socketio import Manager, RedisManager
from socketio import packet as sio_packet

LANE = "cityloop_lane"  # the attribute of an Engine.IO socket that holds its lane
OFFER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unfragmented, unmasked websocket frame (RFC 6455 §5.2), as a server sends it."""
    size = len(payload)
    if size < 126:
        return bytes((0x80 | opcode, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x80 | opcode, 126, size) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, size) + payload


class Remainder:
    """What the kernel did not take of a frame written straight out: queued as a packet, so
    that the socket's writer sends it (``encode()`` is all the writer asks of a packet)
    before anything queued after it."""

    __slots__ = ("data",)
    packet_type = eio_packet.MESSAGE

    def __init__(self, data: bytes):
        self.data = data

    def encode(self, b64: bool = False) -> Remainder:
        return self


def _raw_socket(sock):
    """The OS socket under gevent's, if it is in non-blocking mode (gevent keeps it so)."""
    raw = getattr(sock, "_sock", None)
    try:
        return raw if raw is not None and raw.gettimeout() == 0.0 else None
    except OSError:
        return None


def lane_websocket_class(base):
    """``base`` (python-engineio's gevent websocket wrapper on simple-websocket) with a lane."""

    class LaneWebSocket(base):
        busy = False  # the writer greenlet is inside a write: nothing may go out beside it
        raw = None  # the non-blocking OS socket, when the lane is open

        def __call__(self, environ, start_response):
            handler = self.app
            socket = getattr(handler, "__self__", None)  # Socket._websocket_handler's socket
            if not isinstance(socket, EngineSocket) or environ.get(OFFER):
                return super().__call__(environ, start_response)  # no lane: stock

            def with_lane(ws):
                # simple-websocket has done the handshake: self.ws is the connection.
                self.raw = _raw_socket(self.ws.sock)
                if self.raw is not None:
                    setattr(socket, LANE, self)
                try:
                    return handler(ws)
                finally:
                    socket.__dict__.pop(LANE, None)
                    self.raw = None

            self.app = with_lane
            return super().__call__(environ, start_response)

        def send(self, message):
            """The writer greenlet's (and the upgrade's) send: framed here, written whole."""
            if self.raw is None:
                return super().send(message)
            if not self.ws.connected:
                raise OSError("websocket closed")
            if isinstance(message, Remainder):
                data = message.data
            elif isinstance(message, str):
                data = frame(message.encode())
            else:
                data = frame(bytes(message), 0x2)
            self.busy = True
            try:
                self.ws.sock.sendall(data)
            finally:
                self.busy = False

        def write(self, socket: EngineSocket, data: bytes, pkt) -> None:
            """Write the frame ``data`` of ``pkt`` now if nothing can be ahead of it, else
            queue ``pkt`` for the socket's writer (the stock path)."""
            if (
                self.busy
                or self.raw is None
                or socket.closing
                or socket.upgrading
                or not socket.upgraded
                or not self.ws.connected
                or socket.queue.qsize()
            ):
                socket.send(pkt)
                return
            if not socket.check_ping_timeout():
                return  # gone: closed, as Socket.send does
            try:
                sent = self.raw.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                return  # the connection broke: its reader closes the socket
            if sent < len(data):
                socket.queue.put(Remainder(data[sent:]))

    LaneWebSocket.__name__ = LaneWebSocket.__qualname__ = "LaneWebSocket"
    return LaneWebSocket


def _simple_websocket_wrapper(eio):
    try:
        from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
    except ImportError:  # pragma: no cover
        return None
    websocket = eio._async.get("websocket")
    if eio.async_mode != "gevent" or not isinstance(websocket, type):
        return None
    return websocket if issubclass(websocket, SimpleWebSocketWSGI) else None


def install(server) -> bool:
    """Give ``server``'s (a ``socketio.Server``) websockets lanes; True when it could: gevent
    with simple-websocket (production's stack). Other modes keep the stock path."""
    eio = server.eio
    base = _simple_websocket_wrapper(eio)
    if base is None:
        return False
    # The driver table is shared by every server of the mode: this server gets its own copy.
    eio._async = {**eio._async, "websocket": lane_websocket_class(base)}
    return True


class FanoutMixin:
    """``emit`` that encodes and frames a broadcast once and writes it on the lanes."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):  # fmt: skip
        if callback or namespace not in self.rooms:
            return Manager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)  # fmt: skip
        room = to or room
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        if not isinstance(skip_sid, list):
            skip_sid = [skip_sid]
        server = self.server
        encoded = server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *data]
        ).encode()
        if isinstance(encoded, list):  # binary attachments: several packets, the stock way
            packets = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in encoded]
            for sid, eio_sid in self.get_participants(namespace, room):
                if sid not in skip_sid:
                    for pkt in packets:
                        server._send_eio_packet(eio_sid, pkt)
            return
        pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        sockets = server.eio.sockets
        data_frame = None
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip_sid:
                continue
            socket = sockets.get(eio_sid)
            lane = None if socket is None or socket.closed else socket.__dict__.get(LANE)
            if lane is None:
                server._send_eio_packet(eio_sid, pkt)  # stock: queue and writer
                continue
            if data_frame is None:
                data_frame = frame(pkt.encode().encode())
            lane.write(socket, data_frame, pkt)


class FanoutManager(FanoutMixin, Manager):
    """python-socketio's in-process manager, with broadcasts written once."""


class FanoutRedisManager(RedisManager, FanoutMixin, Manager):
    """python-socketio's Redis manager (every process's emits reach every process's sockets),
    with each process's share of a broadcast written once. ``RedisManager.emit`` publishes,
    and the emit it calls on receipt is :class:`FanoutMixin`'s."""


def client_manager(redis_url: str | None, channel: str):
    """The ``client_manager`` for Flask-SocketIO's ``init_app``: what ``message_queue`` and
    ``channel`` would build, with broadcasts written once."""
    if redis_url:
        return FanoutRedisManager(redis_url, channel=channel, write_only=False)
    return FanoutManager()
