"""The active incidents' areas a filing checks to offer them its report
(:func:`backend.incidents.service.offer_new_case`), kept per process: the id, categories
and area of every active incident, so that a filing reads no incident at all.

Kept like the category catalogue (:mod:`backend.departments.catalogue`): the copy holds
while the **incidents version** has not moved since it was read; the version moves after
the commit of any transaction that wrote ``incidents`` (or plain SQL that may have), by the
public cache's machinery (:mod:`backend.publiccache`): with ``REDIS_URL`` under its own key,
seen by every process within ``VERSION_MEMO_SECONDS`` (3 ms) of the commit and at once by
the process that declared; Redis unreachable: nothing kept (each filing reads around its
point). Without Redis, a counter in the process. A copy lives at most
``PUBLIC_CACHE_SECONDS`` (a write by another program), none is kept when that is 0, and
none while more than ``KEPT_AT_MOST`` incidents are active.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Row, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.incidents.models import Incident
from backend.publiccache import keep_per_process, kept_with_version, version_for, writes_tables

EXTENSION = "cityloop_active_incidents"
VERSION_KEY = "cityloop:incidents-version"
writes_incidents = writes_tables(frozenset({Incident.__tablename__}))
KEPT_AT_MOST = 200
# What the offer reads of an incident (filing pays for no incident objects, their lead
# department and declarer): its id, categories and area.
AREA = (
    Incident.id, Incident.categories, Incident.lat, Incident.lon, Incident.radius_m,
    Incident.polygon, Incident.min_lat, Incident.max_lat, Incident.min_lon, Incident.max_lon,
)  # fmt: skip


@dataclass(frozen=True)
class Known:
    version: str
    until: float  # time.monotonic()
    areas: tuple[Row, ...] | None  # None: too many to keep


class ActiveIncidents:
    def __init__(self, seconds: float, redis_url: str | None) -> None:
        self.seconds = seconds
        self.known: Known | None = None
        self.version = version_for(redis_url, VERSION_KEY, on_failure=self.forget)

    def forget(self) -> None:
        self.known = None


def init_app(app: Flask, engine: Engine) -> None:
    """Keep the areas for ``app`` (unless ``PUBLIC_CACHE_SECONDS`` is 0) and move the
    version after every commit of ``engine`` that wrote incidents."""
    keep_per_process(app, engine, EXTENSION, ActiveIncidents, writes_incidents, "incidents")


def areas(session: Session) -> Sequence[Row] | None:
    """The areas (``AREA``) of every active incident, or None when they are not kept (the
    caller reads those around its point)."""
    active, version = kept_with_version(EXTENSION)
    if version is None:
        return None
    known = active.known
    if known is not None and known.version == version and time.monotonic() < known.until:
        return known.areas
    read_at = time.monotonic()
    stmt = select(*AREA).where(Incident.status == "active").limit(KEPT_AT_MOST + 1)
    found = tuple(session.execute(stmt))  # read after the version: a change since moved it
    kept = found if len(found) <= KEPT_AT_MOST else None
    active.known = Known(version, read_at + active.seconds, kept)
    return kept
