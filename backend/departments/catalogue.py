"""The categories a filing reads, kept per process: a category by its code, with its
department and SLA targets, as a copy merged into the asking session (no SQL).

Every filing would otherwise read the same row. A copy is used only while the **catalogue
version** has not moved since it was made; the version moves after the commit of any
transaction that wrote ``categories`` or ``departments`` (or plain SQL that may have),
whatever code path wrote it (an admin's change through the API, the CLI, a bulk UPDATE), by
the public cache's machinery (:mod:`backend.publiccache`): with ``REDIS_URL`` it lives in
Redis under its own key, every process reads it at most ``VERSION_MEMO_SECONDS`` (3 ms)
late and sees its own bumps at once, so an admin's change holds in every process from its
commit on; Redis unreachable: no copies (each filing reads the row) until it answers again.
Without Redis (one process) it is a counter in the process. As for the public cache, a copy
lives at most ``PUBLIC_CACHE_SECONDS`` (a write by another program is seen then).
"""

from __future__ import annotations

import time
from copy import deepcopy
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached

from backend.departments.models import Category, Department
from backend.publiccache import keep_per_process, kept_with_version, version_for, writes_tables

EXTENSION = "cityloop_catalogue"
VERSION_KEY = "cityloop:catalogue-version"
TABLES = frozenset({Category.__tablename__, Department.__tablename__})
# Whether a statement may have changed a category or a department (plain SQL naming
# another table, as the PostgreSQL filing's search row, is taken at its word).
writes_catalogue = writes_tables(TABLES)


@dataclass(frozen=True)
class Copy:
    version: str
    until: float  # time.monotonic()
    category: Category  # detached, with its department


class Catalogue:
    def __init__(self, seconds: float, redis_url: str | None) -> None:
        self.seconds = seconds
        self.copies: dict[str, Copy] = {}
        self.version = version_for(redis_url, VERSION_KEY, on_failure=self.copies.clear)


def init_app(app: Flask, engine: Engine) -> None:
    """Keep copies for ``app`` (unless ``PUBLIC_CACHE_SECONDS`` is 0) and move the version
    after every commit of ``engine`` that wrote the catalogue."""
    keep_per_process(app, engine, EXTENSION, Catalogue, writes_catalogue, "catalogue")


def category_by_code(session: Session, code: str) -> Category | None:
    """The category with this ``code`` (active or not) in ``session``, or None."""
    catalogue, version = kept_with_version(EXTENSION)
    if version is None:
        return _read(session, code)
    kept = catalogue.copies.get(code)
    if kept is not None and kept.version == version and time.monotonic() < kept.until:
        return session.merge(kept.category, load=False)
    made_at = time.monotonic()
    category = _read(session, code)  # read after the version: a change since moved it
    if category is not None:
        catalogue.copies[code] = Copy(version, made_at + catalogue.seconds, _detached(category))
    return category


def _read(session: Session, code: str) -> Category | None:
    return session.scalar(select(Category).where(Category.code == code))


def _detached(category: Category) -> Category:
    """A copy of ``category`` and its department that belongs to no session (its JSON
    values copied too: nothing a request does to its own instance reaches the copy)."""
    department = category.department
    copy = _copy(category)
    copy.department = _copy(department) if department is not None else None
    make_transient_to_detached(copy)
    return copy


def _copy(obj):
    mapper = inspect(obj).mapper
    values = {attr.key: deepcopy(getattr(obj, attr.key)) for attr in mapper.column_attrs}
    copy = mapper.class_(**values)
    if isinstance(copy, Department):
        make_transient_to_detached(copy)
    return copy
