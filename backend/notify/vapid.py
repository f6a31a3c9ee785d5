"""VAPID (RFC 8292): the key pair that identifies this server to browsers' push services.

From configuration (``VAPID_PRIVATE_KEY``, optional ``VAPID_PUBLIC_KEY`` to cross-check,
``VAPID_SUBJECT``) or generated once and kept in the data folder (``vapid_private.pem``,
mode 0600), like the secret key. Every app process must use the same pair: browsers bind a
subscription to the public key they were given.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02

log = logging.getLogger(__name__)
KEY_FILE = "vapid_private.pem"
_EXTENSION = "cityloop.vapid"
_lock = threading.Lock()
# Apple refuses a `sub` that is not a real mailto: or https: URL.
_SUBJECT = re.compile(r"^(mailto:[^@\s/]+@[^@\s/]+\.[^@\s/]+|https://[^\s/]+\.[^\s]+)$")


def setting(app: Flask, name: str) -> str | None:
    """A VAPID setting (declared in ``backend/config.py``); empty counts as unset."""
    return app.config[name] or None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _from_config(value: str) -> Vapid02:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return Vapid02.from_pem(value.encode())
    return Vapid02.from_string(value)  # base64url raw (32 bytes) or DER


def _from_file(path: Path) -> Vapid02:
    """Read the kept key, or create it; ``O_EXCL`` lets only one process write it."""
    if not path.exists():
        key = Vapid02()
        key.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race: read its key
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key.private_pem())
            return key
    return Vapid02.from_pem(path.read_bytes())


def public_key_of(key: Vapid02) -> str:
    """The application server key the browser's ``pushManager.subscribe`` wants."""
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def _load(app: Flask) -> Vapid02:
    configured = setting(app, "VAPID_PRIVATE_KEY")
    key = _from_config(configured) if configured else _from_file(app.config["DATA_DIR"] / KEY_FILE)
    expected = setting(app, "VAPID_PUBLIC_KEY")
    if expected and expected.strip().rstrip("=") != public_key_of(key):
        raise RuntimeError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return key


def vapid_key(app: Flask | None = None) -> Vapid02:
    """The app's key pair, loaded (or created) once per app."""
    app = app or current_app._get_current_object()
    key = app.extensions.get(_EXTENSION)
    if key is None:
        with _lock:
            key = app.extensions.get(_EXTENSION) or _load(app)
            app.extensions[_EXTENSION] = key
    return key


def subject(app: Flask | None = None) -> str:
    """``VAPID_SUBJECT``, by default ``mailto:admin@<public host>``."""
    app = app or current_app._get_current_object()
    value = setting(app, "VAPID_SUBJECT")
    if not value:
        host = urlparse(app.config["PUBLIC_URL"] or "").hostname or "localhost"
        value = f"mailto:admin@{host}"
    if not _SUBJECT.match(value):
        if value == "mailto:admin@localhost":
            log.warning("VAPID_SUBJECT is %s; set CITYLOOP_PUBLIC_URL or VAPID_SUBJECT", value)
        else:
            raise RuntimeError(f"VAPID_SUBJECT must be a mailto: or https: URL, not {value!r}")
    return value
