"""`Idempotency-Key` for creating POSTs: a retried request gets the first response back.

The key is claimed in its own short transaction before the work starts, so two copies
of a request racing each other cannot both create: the second sees the claim (409 while
the first is running, the stored response once it is done). A key reused with another
body is a 422. Keys live 24 hours per user (or per address for anonymous clients).

A claim whose request never answered (its process was killed mid-request: its own
transaction rolled back, nothing of it was written) is taken over by a retry once it is
``IDEMPOTENCY_PENDING_SECONDS`` old, longer than any request runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta

from flask import current_app, jsonify, request
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.auth.permissions import is_authenticated
from backend.auth.session import user
from backend.db import UTCDateTime, utcnow
from backend.errors import Conflict, ValidationFailed
from backend.extensions import db

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def _scope() -> str:
    acting = user()
    if is_authenticated(acting):
        return f"user:{acting.id}"
    return f"addr:{request.remote_addr}"


def _request_hash() -> str:
    """Hash what the request means, not its bytes: multipart boundaries differ per send."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        digest.update(json.dumps(sorted(request.form.items(multi=True))).encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda i: i[0]):
            digest.update(name.encode() + hashlib.sha256(upload.stream.read()).digest())
            upload.stream.seek(0)
    else:
        body = request.get_json(silent=True)
        if body is not None:
            digest.update(json.dumps(body, sort_keys=True).encode())
        else:
            digest.update(request.get_data())
    return digest.hexdigest()


def _claim(scope: str, key: str, request_hash: str) -> IdempotencyKey | None:
    """Claim the key; return the earlier record instead when it is already claimed."""
    session = db.session
    now = utcnow()
    abandoned = now - timedelta(seconds=current_app.config["IDEMPOTENCY_PENDING_SECONDS"])
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            (IdempotencyKey.created_at < now - TTL)
            | (IdempotencyKey.status_code.is_(None) & (IdempotencyKey.created_at < abandoned)),
        )
    )
    acting = user()
    record = IdempotencyKey(
        scope=scope,
        key=key,
        request_hash=request_hash,
        user_id=acting.id if is_authenticated(acting) else None,
    )
    session.add(record)
    try:
        session.commit()
        return None
    except IntegrityError:
        session.rollback()
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def _replay(earlier: IdempotencyKey, request_hash: str):
    if earlier.request_hash != request_hash:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request.",
            code="idempotency_key_reused",
            fields={HEADER: ["Use a new key for a new request."]},
        )
    if earlier.status_code is None:
        raise Conflict(
            "The same request is still being processed; retry shortly.", code="request_in_progress"
        )
    response = jsonify(earlier.response_body)
    response.status_code = earlier.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _settle(scope: str, key: str, response) -> None:
    """Keep a successful response; release the key after a failure so a retry can run."""
    db.session.rollback()
    record = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )
    if record is None:
        return
    if 200 <= response.status_code < 300 and response.is_json:
        record.status_code = response.status_code
        record.response_body = response.get_json()
    else:
        db.session.delete(record)
    db.session.commit()


def idempotent(view=None, *, scope=None):
    """Decorate a creating POST view (outside flask-smorest's decorators). ``scope`` names
    whose keys these are when it is not the signed-in user (Open311: the API key)."""
    if view is None:
        return functools.partial(idempotent, scope=scope)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 255:
            raise ValidationFailed("Idempotency-Key is too long.", fields={HEADER: ["Too long."]})
        scope_name, request_hash = (scope or _scope)(), _request_hash()
        earlier = _claim(scope_name, key, request_hash)
        if earlier is not None:
            return _replay(earlier, request_hash)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            _settle(scope_name, key, current_app.make_response(("", 500)))
            raise
        _settle(scope_name, key, response)
        return response

    return wrapper
