from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, defaultload, mapped_column, relationship

from backend.auth.permissions import Role
from backend.db import TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db


def hash_secret(value: str) -> str:
    """Tokens and API keys are long random strings: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(value.encode()).hexdigest()


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.RESIDENT.value)
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The server-side cookie session this request runs in (set when loaded or started);
    # Flask-Login keeps ``get_id()`` in the session and the remember cookie.
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}" if self.session_key else str(self.id)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def department_ids(self) -> set[int]:
        return {m.department_id for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def shown_by_name(*people) -> list:
    """Loader options for relationships to people who are only shown (a name, a role):
    their memberships, which only the acting user's permission checks read, stay unloaded
    instead of costing a query for every page of rows that names people. Each of
    ``people`` is a relationship, or a tuple of them leading to one (``(Case.tasks,
    CaseTask.done_by)``)."""
    chains = (p if isinstance(p, tuple) else (p,) for p in people)
    return [defaultload(*chain).lazyload(User.memberships) for chain in chains]


# E-mail addresses are unique whatever their case.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class Membership(db.Model):
    """A staff member's place in a department; the head gets escalations."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_head: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    department = relationship("Department", lazy="joined")


class AuthToken(db.Model):
    """A bearer token for non-browser clients; only its hash is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(db.Model):
    """A cookie session (and its remember cookie) on the server: deleting the row ends it
    wherever the cookie is replayed. Only the key's hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ApiKey(db.Model):
    """A named key for machine clients (Open311 POST); only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by an admin: the client (a back-office) may post updates that move cases
    # (Open311 ``POST servicerequestupdates``); any key may file requests.
    trusted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
