"""Serve a WSGI app on eventlet's own server: the ``name@eventlet`` peers of fanout_peers.py.

gunicorn 27 has no eventlet worker any more, so this is what Flask-SocketIO's
``socketio.run()`` does under eventlet, with gunicorn's flags where they have a match:

    PYTHONPATH=/tmp/live-alt SOCKETIO_ASYNC_MODE=eventlet \\
        .venv/bin/python benchmarks/serve_eventlet.py --port 5850 benchmarks.fanout_bare:app

(``pip install --target /tmp/live-alt eventlet``: eventlet stays out of .venv.) Run from the
folder that holds the app's package; every request is logged to stderr, as gunicorn's access
log would be.
"""

import eventlet

eventlet.monkey_patch()  # before anything else is imported

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from eventlet import wsgi  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="module:attribute of the WSGI app, e.g. wsgi:app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=20000, help="greenlets at most")
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())
    module, _, attribute = args.app.partition(":")
    app = getattr(importlib.import_module(module), attribute or "app")
    listener = eventlet.listen((args.host, args.port), backlog=2048)
    wsgi.server(listener, app, max_size=args.connections, log_output=True)


if __name__ == "__main__":
    main()
