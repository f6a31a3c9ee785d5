"""Which real services the tests may use: SQLite always, PostgreSQL and Redis when reachable.

Inside CI (``CI=true``) a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_DB = os.environ.get("CITYLOOP_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Pub/sub channels span Redis databases: test runs on other databases must not hear ours.
os.environ.setdefault("SOCKETIO_CHANNEL", "cityloop-test-" + REDIS_URL.rsplit("/", 1)[-1])


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, url: str) -> None:
    """Skip outside CI when the service is down; fail inside CI."""
    if reachable(url):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(message + " (required in CI)")
    pytest.skip(message)
