"""CityLoop: the application factory."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import time

from flask import Flask, abort, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.compression import register_compression
from backend.config import Config, config_from_env
from backend.db import tune_sqlite
from backend.errors import register_error_handlers
from backend.extensions import api, db, limiter, migrate, socketio
from backend.headers import register_security_headers
from backend.ids import IdConverter
from backend.input_guard import refuse_nul_characters
from backend.live import fanout
from backend.logs import assign_request_id, configure_logging, log_request
from backend.metrics import record_request


def create_app(config: Config | None = None, **overrides) -> Flask:
    """Build the app. ``overrides`` set config values before secrets are resolved."""
    config = config or config_from_env()
    for key, value in overrides.items():
        setattr(config, key, value)
    config.finalize()

    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = IdConverter  # every <int:...> is an id: 404 past the bound
    app.config.from_object(config)
    app.json.sort_keys = False
    config.DATA_DIR.mkdir(parents=True, exist_ok=True)
    configure_logging(app)

    _register_request_hooks(app)
    register_compression(app)
    register_security_headers(app)
    _init_extensions(app)
    _register_blueprints(app)
    register_error_handlers(app)

    from backend.cli import register_cli

    register_cli(app, [_domain_module(domain, "cli") for domain in _domains()])
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Take the client's address, scheme and host from the trusted proxies' headers.

    Outermost, so limits, logs, idempotency and the Socket.IO handshake all see the client.
    With no trusted proxy the headers are ignored: anyone can send them."""
    count = app.config.get("TRUSTED_PROXIES") or 0
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _init_extensions(app: Flask) -> None:
    from backend import publiccache
    from backend.auth import passwords, session
    from backend.departments import catalogue
    from backend.incidents import active as active_incidents
    from backend.live.transport import without_websocket_compression
    from backend.turns import taking_turns

    passwords.configure(fast=bool(app.config["PASSWORD_HASH_FAST"]))
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
        publiccache.init_app(app, db.engine)
    _import_models()
    with app.app_context():
        catalogue.init_app(app, db.engine)  # the categories a filing reads, kept per process
        active_incidents.init_app(app, db.engine)  # the active incidents' areas, likewise
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    api.init_app(app)
    limiter.init_app(app)
    session.init_app(app)
    redis_url, channel = app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"]
    if app.config["SOCKETIO_FANOUT"]:
        queue = {"client_manager": fanout.client_manager(redis_url, channel)}
    else:
        queue = {"message_queue": redis_url, "channel": channel}
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"] or None,
        **queue,
    )
    if app.config["SOCKETIO_FANOUT"]:
        fanout.install(socketio.server)  # gevent with simple-websocket; a no-op otherwise
    app.wsgi_app = without_websocket_compression(app.wsgi_app)  # outside Socket.IO's own
    publiccache.follow_other_processes(app, socketio.server)
    publiccache.answer_hits_first(app)  # outside Socket.IO's middleware, inside ProxyFix
    app.wsgi_app = taking_turns(app.wsgi_app, app.config["SOCKETIO_ASYNC_MODE"])  # hits too


def _domains() -> list[str]:
    """Every sub-package of backend/ is a domain (auth, cases, proposals, ...)."""
    import backend

    return sorted(name for _, name, is_pkg in pkgutil.iter_modules(backend.__path__) if is_pkg)


def _domain_module(domain: str, name: str):
    module_name = f"backend.{domain}.{name}"
    if importlib.util.find_spec(module_name) is None:
        return None
    return importlib.import_module(module_name)


def _import_models() -> None:
    """Every model module, so that metadata (and Alembic) sees all tables."""
    import backend.idempotency  # noqa: F401

    for domain in _domains():
        _domain_module(domain, "models")


def _register_blueprints(app: Flask) -> None:
    """A domain's `registrations.py` registers its content kinds (:mod:`backend.content`)
    and live rooms; its `routes.py` exposes `blp` (API, documented) and/or `bp` (plain
    Flask); its `events.py`, when present, registers Socket.IO handlers on import."""
    from backend import health, metrics, web

    for domain in _domains():  # content kinds and live rooms first: routes ask them
        _domain_module(domain, "registrations")
    for domain in _domains():
        routes = _domain_module(domain, "routes")
        if routes is not None and hasattr(routes, "blp"):
            api.register_blueprint(routes.blp)
        for extra in getattr(routes, "extra_blps", ()):
            api.register_blueprint(extra)
        if routes is not None and hasattr(routes, "bp"):
            app.register_blueprint(routes.bp)
        _domain_module(domain, "events")
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(web.bp)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()
        assign_request_id()
        length = request.content_length or 0
        if length > app.config["MAX_CONTENT_LENGTH"]:
            abort(413, "The request body is too large.")
        if request.is_json and length > app.config["MAX_JSON_BYTES"]:
            abort(413, "The JSON body is too large.")
        refuse_nul_characters()

    @app.after_request
    def _finish(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        if g.get("request_id"):
            response.headers["X-Request-Id"] = g.request_id
        record_request(response)
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log_request(
            request.method, request.path, response.status_code, elapsed, request.remote_addr
        )
        return response
