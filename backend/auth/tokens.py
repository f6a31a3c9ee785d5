"""Signed, expiring, single-use links (verification, e-mail change, password reset).

Nothing is stored: each token signs the user's id and a fingerprint of the state its use
changes (the address still unverified, the current address, the password hash), so a
token stops working once used, and every older reset link dies with a new password.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.errors import ValidationFailed

VERIFY, EMAIL_CHANGE, RESET = "verify", "email_change", "reset"


def _fingerprint(purpose: str, user: User) -> str:
    if purpose == RESET:
        state = user.password_hash
    elif purpose == VERIFY:
        state = f"{user.email.lower()}|{user.email_verified_at is not None}"
    else:
        state = user.email.lower()
    return hashlib.sha256(f"{purpose}|{state}".encode()).hexdigest()[:24]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cityloop.{purpose}")


def max_age(purpose: str) -> int:
    config = current_app.config
    if purpose == RESET:
        return config["RESET_TOKEN_MINUTES"] * 60
    return config["VERIFY_TOKEN_HOURS"] * 3600


def make(purpose: str, user: User, **extra: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(purpose, user), **extra})


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"token": [message]})


def read(session: Session, purpose: str, token: str) -> tuple[User, dict]:
    """The user a valid, unused token names, and its payload; 400 otherwise."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except SignatureExpired as exc:
        raise _refuse("This link has expired; ask for a new one.", "token_expired") from exc
    except BadSignature as exc:
        raise _refuse("This link is not valid.", "token_invalid") from exc
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or not user.active:
        raise _refuse("This link is not valid.", "token_invalid")
    if payload.get("f") != _fingerprint(purpose, user):
        raise _refuse("This link has already been used.", "token_used")
    return user, payload
