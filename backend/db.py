"""Shared model helpers: UTC timestamps and engine tuning per database."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import DateTime, ForeignKey, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class UserLinkMixin:
    """A user's link to one parent row (a follower, a "me too"): one row per user per parent,
    dropped with either side. The model declares its parent key with :func:`parent_key`; it
    comes first in the table and in the primary key, then ``user_id`` and ``created_at``."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def parent_key(table: str) -> Mapped[int]:
    """The parent half of a :class:`UserLinkMixin` primary key: ``<table>.id``, cascading."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True)


def tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite opens transactions lazily; let SQLAlchemy emit BEGIN itself so that
        # SELECT ... then UPDATE in one transaction is serialized correctly.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def _read_only_request() -> bool:
    """Safe HTTP methods only read, so they need not queue behind writers.

    Everything else takes SQLite's write lock up front: a deferred transaction that reads
    and then writes fails at once (SQLITE_BUSY) when another writer got in between.
    """
    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
