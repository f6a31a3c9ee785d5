"""Entry point: `python wsgi.py` serves the API, websockets and the PWA; `flask --app wsgi`."""

import gc

from backend import create_app
from backend.extensions import socketio

app = create_app()
# What was built at startup (modules, the app, its mappers and schemas) lives as long as the
# process. Frozen, it is left out of every later collection: a full collection then walks only
# what requests and sockets made (a broadcast to 1,000 sockets took half the CPU in separate
# runs; at 2,000, in one run, the gain was within the noise: docs/performance.md, "Live: CPU
# per broadcast against Node").
gc.collect()
gc.freeze()

if __name__ == "__main__":
    from backend.cases.sla import start_sla_scheduler

    start_sla_scheduler(app)  # embedded serving sweeps SLAs itself; see docs/deployment.md
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        allow_unsafe_werkzeug=True,
    )
