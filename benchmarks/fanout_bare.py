"""The bare Flask-SocketIO peer of benchmarks/fanout_peers.py: nothing but a room.

Clients ``subscribe`` to a room (the ack says ``{"ok": true}``) and ``POST /emit``
``{"room", "event", "payload"}`` emits to it, as CityLoop's after-commit publish does, with
no database, no authentication and no per-socket session. Served like CityLoop:

    .venv/bin/gunicorn -k gevent -w 1 benchmarks.fanout_bare:app
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_socketio import SocketIO, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode=os.environ.get("SOCKETIO_ASYNC_MODE", "gevent"))


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/emit")
def emit():
    body = request.get_json()
    socketio.emit(body["event"], body["payload"], to=body["room"])
    return {"ok": True}


@socketio.on("subscribe")
def subscribe(data):
    join_room(data["room"])
    return {"ok": True, "room": data["room"], "missed": []}
