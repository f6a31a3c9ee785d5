"""Configuration from the environment, with defaults that run safely out of the box."""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_VAPID = ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT")


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def read_or_create_secret(data_dir: Path, name: str, nbytes: int = 48) -> str:
    """Return a secret kept in the data folder, creating it (mode 0600) on first use."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its config key, the environment variable it is read from, its default."""

    key: str
    env: str | None  # None: set in code or by tests only, never from the environment
    default: Any
    parse: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _floats(value: str) -> tuple[float, ...]:
    return tuple(float(part) for part in value.split(","))


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip() not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value.strip()

    return parse


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


# Every setting the code reads from the environment, declared once: key, variable, default.
# The README's configuration table lists each variable; tests/foundation/test_settings.py
# checks that, and that the code reads no config key that is not declared here.
SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", "CITYLOOP_DATA_DIR", ROOT / "instance", Path),
    # Unset: SQLite in the data folder.
    Setting("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", None),
    # A read replica (optional): lists, statistics, exports and Open311 reads select there
    # (backend.replica); everything else, and every write, uses DATABASE_URL.
    Setting("DATABASE_READ_URL", "DATABASE_READ_URL", None),
    Setting("REDIS_URL", "REDIS_URL", None),
    # The Redis pub/sub channel that carries Socket.IO events between processes. Channels
    # ignore Redis's database number: two CityLoops sharing a Redis need different names.
    Setting("SOCKETIO_CHANNEL", "SOCKETIO_CHANNEL", "flask-socketio"),
    Setting("SECRET_KEY", "SECRET_KEY", None),
    Setting("PUBLIC_URL", "CITYLOOP_PUBLIC_URL", None),
    Setting("HOST", "HOST", "127.0.0.1"),
    Setting("PORT", "PORT", 5000, int),
    Setting("LOG_LEVEL", "LOG_LEVEL", "INFO"),
    Setting("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SECURE", False, _bool),
    Setting("CORS_ALLOWED_ORIGINS", "CITYLOOP_ALLOWED_ORIGINS", [], _names),
    Setting("RATELIMIT_ENABLED", "RATELIMIT_ENABLED", True, _bool),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes"),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_ADDRESS", "30 per 5 minutes"),
    Setting("TOKEN_TTL_DAYS", "TOKEN_TTL_DAYS", 30, int),
    # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none of them).
    Setting("TRUSTED_PROXIES", "CITYLOOP_TRUSTED_PROXIES", 0, int),
    # Strict-Transport-Security max-age; 0 sends none (a year by default in production).
    Setting("HSTS_SECONDS", "CITYLOOP_HSTS_SECONDS", 0, int),
    # "threading" for `python wsgi.py`; "gevent" under gunicorn's gevent worker.
    Setting("SOCKETIO_ASYNC_MODE", "SOCKETIO_ASYNC_MODE", "threading"),
    # Broadcasts framed once and written straight to the sockets that can take them
    # (backend/live/fanout.py; gevent with simple-websocket). 0: python-engineio's own path.
    Setting("SOCKETIO_FANOUT", "SOCKETIO_FANOUT", True, _bool),
    Setting("CITY_NAME", "CITYLOOP_CITY_NAME", "CityLoop"),
    # Map tiles are the one thing fetched from elsewhere; empty disables them.
    Setting("TILE_URL", "CITYLOOP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    Setting("TILE_ATTRIBUTION", "CITYLOOP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"),
    Setting("MAP_CENTER", "CITYLOOP_MAP_CENTER", (31.2304, 121.4737), _floats),
    Setting("MAP_ZOOM", "CITYLOOP_MAP_ZOOM", 14, int),
    # Scaling and observability: connections per app process (gevent serves many requests on
    # each), and PostgreSQL cancels a statement running longer than the timeout (0: never).
    Setting("DATABASE_POOL_SIZE", "DATABASE_POOL_SIZE", 5, int),
    Setting("DATABASE_MAX_OVERFLOW", "DATABASE_MAX_OVERFLOW", 10, int),
    Setting("DATABASE_POOL_TIMEOUT", "DATABASE_POOL_TIMEOUT", 10, int),
    Setting("DATABASE_STATEMENT_TIMEOUT_MS", "DATABASE_STATEMENT_TIMEOUT_MS", 30000, int),
    # An Idempotency-Key claimed this many seconds ago by a request that never answered (its
    # process was killed) is free again, so the client's retry runs (backend.idempotency).
    Setting("IDEMPOTENCY_PENDING_SECONDS", "CITYLOOP_IDEMPOTENCY_PENDING_SECONDS", 120, int),
    # The server's copy of anonymous answers (backend.publiccache): at most this many bytes of
    # bodies per process (0: no copies), each kept at most this many seconds.
    Setting("PUBLIC_CACHE_BYTES", "CITYLOOP_PUBLIC_CACHE_BYTES", 32 * 1024 * 1024, int),
    Setting("PUBLIC_CACHE_SECONDS", "CITYLOOP_PUBLIC_CACHE_SECONDS", 5.0, float),
    # /metrics answers loopback and private networks, or anyone with this bearer token.
    Setting("METRICS_TOKEN", "CITYLOOP_METRICS_TOKEN", None),
    # "json": one JSON object a line, with the request id; "text": for a terminal.
    Setting("LOG_FORMAT", "LOG_FORMAT", "text"),
    # Set by scripts/serve-production for several processes; prometheus_client reads it too.
    Setting("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROC_DIR", None),
    # The time rules of the loop (backend.cases.effects.Policy).
    Setting("AUTO_CLOSE_DAYS", "CITYLOOP_AUTO_CLOSE_DAYS", 7, int),
    Setting("REOPEN_DAYS", "CITYLOOP_REOPEN_DAYS", 30, int),
    # An open case due within this many hours is "at risk" (backend.cases.queries).
    Setting("AT_RISK_HOURS", "CITYLOOP_AT_RISK_HOURS", 24, int),
    Setting("SLA_SWEEP_MINUTES", "CITYLOOP_SLA_SWEEP_MINUTES", 5, int),
    # Rate limits (flask-limiter strings; several joined by ";").
    Setting("CASE_CREATE_LIMIT", "CASE_CREATE_LIMIT", "60 per hour"),
    Setting("POSTING_LIMIT_PER_USER", "POSTING_LIMIT_PER_USER", "10 per minute;200 per day"),
    Setting("POSTING_LIMIT_PER_ADDRESS", "POSTING_LIMIT_PER_ADDRESS", "60 per minute"),
    Setting("VOTING_LIMIT_PER_USER", "VOTING_LIMIT_PER_USER", "60 per minute;1000 per day"),
    Setting("VOTING_LIMIT_PER_ADDRESS", "VOTING_LIMIT_PER_ADDRESS", "300 per minute"),
    Setting("FLAGGING_LIMIT_PER_USER", "FLAGGING_LIMIT_PER_USER", "10 per minute;100 per day"),
    Setting("FLAGGING_LIMIT_PER_ADDRESS", "FLAGGING_LIMIT_PER_ADDRESS", "60 per minute"),
    # Participation.
    Setting("COMMENT_EDIT_WINDOW_MINUTES", "COMMENT_EDIT_WINDOW_MINUTES", 15, int),
    Setting("COMMENT_DISPLAY_DEPTH", "COMMENT_DISPLAY_DEPTH", 1, int),
    Setting("PROPOSAL_SUPPORT_THRESHOLD", "PROPOSAL_SUPPORT_THRESHOLD", 100, int),
    Setting("PROPOSAL_EDIT_WINDOW_MINUTES", "PROPOSAL_EDIT_WINDOW_MINUTES", 30, int),
    # On: new proposals wait as `pending` until a moderator or staff member publishes them.
    Setting("PROPOSAL_REVIEW", "PROPOSAL_REVIEW", False, _bool),
    Setting("MODERATION_FLAG_THRESHOLD", "MODERATION_FLAG_THRESHOLD", 3, int),
    Setting("MODERATION_NEW_CONTENT_DAYS", "MODERATION_NEW_CONTENT_DAYS", 7, int),
    # Which unflagged content waits for a moderator: "new_accounts" (by accounts younger
    # than MODERATION_NEW_ACCOUNT_DAYS), "all" recent content, or "none" (flagged only).
    Setting(
        "MODERATION_REVIEW_NEW",
        "MODERATION_REVIEW_NEW",
        "new_accounts",
        _one_of("new_accounts", "all", "none"),
    ),
    Setting("MODERATION_NEW_ACCOUNT_DAYS", "MODERATION_NEW_ACCOUNT_DAYS", 30, int),
    # Web Push (backend/notify/vapid.py): unset, a key pair is generated in the data folder.
    Setting("VAPID_PRIVATE_KEY", "VAPID_PRIVATE_KEY", None),
    Setting("VAPID_PUBLIC_KEY", "VAPID_PUBLIC_KEY", None),
    Setting("VAPID_SUBJECT", "VAPID_SUBJECT", None),
    # The push services the server may POST to; empty: the big browsers' own.
    Setting("PUSH_ENDPOINT_HOSTS", "PUSH_ENDPOINT_HOSTS", [], _names),
    # Open311: the jurisdiction_id this endpoint answers for (checked when both are given),
    # and how many requests one API key may file.
    Setting("OPEN311_JURISDICTION_ID", "CITYLOOP_OPEN311_JURISDICTION_ID", None),
    Setting("OPEN311_POST_LIMIT", "CITYLOOP_OPEN311_POST_LIMIT", "600 per hour"),
    # Mail: smtp://user:pass@host:port (STARTTLS when offered) or smtps://; unset, mail is
    # written as .eml files under DATA_DIR/mail and its links are logged.
    Setting("SMTP_URL", "CITYLOOP_SMTP_URL", None),
    Setting("MAIL_FROM", "CITYLOOP_MAIL_FROM", "CityLoop <cityloop@localhost>"),
    # Seconds before each retry of a mail the SMTP server refused or could not take.
    Setting("MAIL_RETRY_DELAYS", "CITYLOOP_MAIL_RETRY_DELAYS", (60, 300, 1800, 7200), _floats),
    Setting("SMTP_TIMEOUT", "CITYLOOP_SMTP_TIMEOUT", 20, int),
    Setting("VERIFY_TOKEN_HOURS", "CITYLOOP_VERIFY_TOKEN_HOURS", 72, int),
    Setting("RESET_TOKEN_MINUTES", "CITYLOOP_RESET_TOKEN_MINUTES", 60, int),
    # Whether accounts whose e-mail is not yet verified may report, comment and vote.
    Setting("UNVERIFIED_MAY_POST", "CITYLOOP_UNVERIFIED_MAY_POST", True, _bool),
    # Set by tests (and code), never read from the environment.
    Setting("PUSH_ALLOW_HTTP", None, False),
    Setting("JOBS_EAGER", None, False),
    Setting("PASSWORD_HASH_FAST", None, False),
    Setting("STATIC_DIR", None, ROOT / "static"),
)

# Which config class: "production" is ProductionConfig, anything else Config.
ENVIRONMENT_VARIABLE = "CITYLOOP_ENV"

DEFAULTS: dict[str, Any] = {setting.key: setting.default for setting in SETTINGS}


def _read(setting: Setting) -> Any:
    value = os.environ.get(setting.env) if setting.env else None
    if value is None or (value == "" and setting.parse is not str):
        return copy.copy(setting.default)
    return setting.parse(value)


class Config:
    """Settings read from the environment when the class is instantiated."""

    TESTING = False

    def __init__(self) -> None:
        for setting in SETTINGS:
            setattr(self, setting.key, _read(setting))
        self.DATA_DIR = Path(self.DATA_DIR or ROOT / "instance").resolve()
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            self.SQLALCHEMY_DATABASE_URI or f"sqlite:///{self.DATA_DIR / 'cityloop.db'}"
        )
        # An empty variable means unset for these (as `or None` did before).
        empty_is_unset = (
            "REDIS_URL",
            "SECRET_KEY",
            "PUBLIC_URL",
            "SMTP_URL",
            "OPEN311_JURISDICTION_ID",
            "METRICS_TOKEN",
            "DATABASE_READ_URL",
        )
        for key in (*empty_is_unset, *_VAPID):
            setattr(self, key, getattr(self, key) or None)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE

    # Flask-Limiter: when Redis is down, count in the process's memory instead of failing.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "cityloop_session"
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # Five 15 MB photos plus form fields; JSON bodies are bounded separately.
    MAX_CONTENT_LENGTH = 80 * 1024 * 1024
    MAX_JSON_BYTES = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    MAX_FORM_PARTS = 100
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    API_TITLE = "CityLoop API"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {"description": "CityLoop: report city problems and follow them through the loop."},
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "cityloop_session"},
            }
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}, {}],
    }

    def finalize(self) -> None:
        """Fill in what depends on other settings (secrets kept in the data folder)."""
        if not self.SECRET_KEY:
            self.SECRET_KEY = read_or_create_secret(self.DATA_DIR, "secret_key")
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_URI = self.REDIS_URL
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self)
        if self.DATABASE_READ_URL:
            url = normalize_database_url(self.DATABASE_READ_URL)
            self.SQLALCHEMY_BINDS = {REPLICA: {"url": url, **engine_options(self, url)}}


REPLICA = "replica"  # the bind key of DATABASE_READ_URL's engine


def engine_options(config: Config, url: str | None = None) -> dict:
    """SQLAlchemy engine options: pre-ping everywhere; on PostgreSQL a bounded pool per
    process, a connect timeout and a statement timeout."""
    options: dict = {"pool_pre_ping": True}
    if (url or config.SQLALCHEMY_DATABASE_URI).startswith("postgresql"):
        options.update(
            pool_size=config.DATABASE_POOL_SIZE,
            max_overflow=config.DATABASE_MAX_OVERFLOW,
            pool_timeout=config.DATABASE_POOL_TIMEOUT,
            pool_recycle=1800,
            connect_args={
                "connect_timeout": 5,
                "options": f"-c statement_timeout={config.DATABASE_STATEMENT_TIMEOUT_MS}",
            },
        )
    return options


class TestingConfig(Config):
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.PASSWORD_HASH_FAST = True
        self.REDIS_URL = None  # tests that need Redis ask for it explicitly


class ProductionConfig(Config):
    """Refuses to start on settings that are unsafe in front of the public."""

    def __init__(self) -> None:
        super().__init__()
        if os.environ.get("SESSION_COOKIE_SECURE") is None:
            self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
        if os.environ.get("CITYLOOP_HSTS_SECONDS") is None:
            self.HSTS_SECONDS = 31536000

    def finalize(self) -> None:
        problems = []
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("SECRET_KEY must be set to at least 32 characters")
        if not self.SESSION_COOKIE_SECURE:
            problems.append("SESSION_COOKIE_SECURE must stay on (serve over HTTPS)")
        if not self.PUBLIC_URL or not self.PUBLIC_URL.startswith("https://"):
            problems.append("CITYLOOP_PUBLIC_URL must be the public https:// address")
        if problems:
            raise RuntimeError("Unsafe production configuration: " + "; ".join(problems))
        super().finalize()


def config_from_env() -> Config:
    env = os.environ.get(ENVIRONMENT_VARIABLE, "development").lower()
    return ProductionConfig() if env == "production" else Config()
