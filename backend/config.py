"""Configuration from the environment, with defaults that run safely out of the box."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_floats(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    value = os.environ.get(name)
    return tuple(float(part) for part in value.split(",")) if value else default


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


class Config:
    """Settings read from the environment when the class is instantiated."""

    TESTING = False

    def __init__(self) -> None:
        self.DATA_DIR = Path(os.environ.get("CITYLOOP_DATA_DIR") or ROOT / "instance").resolve()
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{self.DATA_DIR / 'cityloop.db'}"
        )
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # The Redis pub/sub channel that carries Socket.IO events between processes. Channels
        # ignore Redis's database number: two CityLoops sharing a Redis need different names.
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "flask-socketio")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        self.PUBLIC_URL = os.environ.get("CITYLOOP_PUBLIC_URL") or None
        self.HOST = os.environ.get("HOST", "127.0.0.1")
        self.PORT = _env_int("PORT", 5000)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.CORS_ALLOWED_ORIGINS = [
            o.strip()
            for o in os.environ.get("CITYLOOP_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        ]
        self.RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 5 minutes")
        self.TOKEN_TTL_DAYS = _env_int("TOKEN_TTL_DAYS", 30)
        # "threading" for `python wsgi.py`; "gevent" under gunicorn's gevent worker.
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
        self.CITY_NAME = os.environ.get("CITYLOOP_CITY_NAME", "CityLoop")
        # Map tiles are the one thing fetched from elsewhere; empty disables them.
        self.TILE_URL = os.environ.get(
            "CITYLOOP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
        self.TILE_ATTRIBUTION = os.environ.get(
            "CITYLOOP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"
        )
        self.MAP_CENTER = _env_floats("CITYLOOP_MAP_CENTER", (31.2304, 121.4737))
        self.MAP_ZOOM = _env_int("CITYLOOP_MAP_ZOOM", 14)
        # Open311: the jurisdiction_id this endpoint answers for (checked when both are
        # given), and how many requests one API key may file.
        self.OPEN311_JURISDICTION_ID = os.environ.get("CITYLOOP_OPEN311_JURISDICTION_ID") or None
        self.OPEN311_POST_LIMIT = os.environ.get("CITYLOOP_OPEN311_POST_LIMIT", "600 per hour")
        # Mail: smtp://user:pass@host:port (STARTTLS when offered) or smtps://; unset, mail is
        # written as .eml files under DATA_DIR/mail and its links are logged.
        self.SMTP_URL = os.environ.get("CITYLOOP_SMTP_URL") or None
        self.MAIL_FROM = os.environ.get("CITYLOOP_MAIL_FROM", "CityLoop <cityloop@localhost>")
        # Seconds before each retry of a mail the SMTP server refused or could not take.
        self.MAIL_RETRY_DELAYS = _env_floats("CITYLOOP_MAIL_RETRY_DELAYS", (60, 300, 1800, 7200))
        self.SMTP_TIMEOUT = _env_int("CITYLOOP_SMTP_TIMEOUT", 20)
        self.VERIFY_TOKEN_HOURS = _env_int("CITYLOOP_VERIFY_TOKEN_HOURS", 72)
        self.RESET_TOKEN_MINUTES = _env_int("CITYLOOP_RESET_TOKEN_MINUTES", 60)
        # Whether accounts whose e-mail is not yet verified may report, comment and vote.
        self.UNVERIFIED_MAY_POST = _env_bool("CITYLOOP_UNVERIFIED_MAY_POST", True)

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "cityloop_session"
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
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE

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
    env = os.environ.get("CITYLOOP_ENV", "development").lower()
    return ProductionConfig() if env == "production" else Config()
