"""Entry point: `python wsgi.py` serves the API, websockets and the PWA; `flask --app wsgi`."""

from backend import create_app
from backend.extensions import socketio

app = create_app()

if __name__ == "__main__":
    from backend.cases.sla import start_sla_scheduler

    start_sla_scheduler(app)  # embedded serving sweeps SLAs itself; see docs/deployment.md
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        allow_unsafe_werkzeug=True,
    )
