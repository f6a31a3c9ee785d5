"""Cases, their append-only event log, photos, followers, supporters, co-handling tasks,
ratings and staff response templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.content import ANONYMOUS, anonymous_person
from backend.db import TimestampMixin, UserLinkMixin, UTCDateTime, parent_key, utcnow
from backend.extensions import db


def person_on_case(case: Case, person, *, staff: bool):
    """How ``person`` (a User, or None) shows wherever they appear on ``case``: on the case,
    in its events, its comments, its live payloads, notifications and exports. The case's
    anonymous reporter is "anonymous" to everyone but staff (the reporter too, as on the
    case itself); everyone else shows as they are.
    """
    if person is None:
        return None
    if case.anonymous and not staff and person.id == case.reporter_id:
        return anonymous_person()
    return person


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
WORKING_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # the SLA clock runs
FINAL_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class TaskFacts(Protocol):
    """What the rules read of a co-handling task: a :class:`CaseTask`, or a row of its
    columns."""

    id: int
    department_id: int
    status: str


class CaseFacts(Protocol):
    """What the permission rules read of a case (who may see it, handle it, act on it, rate
    or support it, use its category's templates): a loaded :class:`Case`, or the plain row
    the hot reads build (:class:`backend.cases.rows.CaseRow`), so that each rule is written
    once for both. ``tasks`` is read for staff only."""

    id: int
    status: str
    hidden: bool
    reporter_id: int | None
    department_id: int | None
    category: Any  # its department_id: whose staff use the category's templates
    rating: Any  # None until the reporter rated the handling
    tasks: Sequence[TaskFacts]


class CaseDisplay:
    """What a case payload works out from the case's columns and its reporter, in one place
    for the loaded :class:`Case` and the plain rows of the hot reads
    (:class:`backend.cases.rows.CaseRow`), which have the same attribute names."""

    __slots__ = ()

    @property
    def is_open(self) -> bool:
        """Still being worked on (its response clock runs): one of ``OPEN_STATUSES``."""
        return self.status in OPEN_STATUSES

    @property
    def public_reporter(self) -> dict:
        """What the public sees of the reporter: a name, or "anonymous"."""
        shown = person_on_case(self, self.reporter, staff=False)
        if shown is None or isinstance(shown, dict):
            return {"display_name": ANONYMOUS}
        return {"id": shown.id, "display_name": shown.display_name}

    @property
    def staff_reporter(self) -> dict:
        """What staff see: who reported it and how to reach them, even when anonymous."""
        if self.reporter is None:
            return {
                "display_name": self.contact_name or ANONYMOUS,
                "email": self.contact_email,
                "phone": self.contact_phone,
            }
        return {
            "id": self.reporter.id,
            "display_name": self.reporter.display_name,
            "email": self.reporter.email,
            "phone": self.reporter.phone or self.contact_phone,
        }


class Case(CaseDisplay, TimestampMixin, db.Model):
    """A reported problem. Its status changes only through :mod:`backend.cases.transitions`.

    Ids are random (not a sequence) so that they do not reveal how many cases the city has;
    they stay below 2**31 so that any integer column can refer to them.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_lat_lon", "lat", "lon"),
        # Each filter leads an index; the common "newest first" order follows it.
        Index("ix_cases_category_id_created_at", "category_id", "created_at"),
        Index("ix_cases_department_id_created_at", "department_id", "created_at"),
        Index("ix_cases_department_id_status", "department_id", "status"),
        Index("ix_cases_status_created_at", "status", "created_at"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_updated_at", "updated_at"),
        # The few hidden cases, so that counting what the public may see stays an index
        # lookup (see queries.count_cases); the predicate is the one queries use.
        Index(
            "ix_cases_hidden",
            "hidden",
            sqlite_where=text("hidden = 1"),
            postgresql_where=text("hidden = true"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # What a person reads over the phone ("RD-2412-0042"): see backend.cases.references.
    reference: Mapped[str] = mapped_column(String(24), nullable=False, unique=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), nullable=False
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )  # the lead department
    # The person in the lead department handling it ("assigned to me"); None: the department.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=Status.SUBMITTED)
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default=Priority.NORMAL)
    lat: Mapped[float] = mapped_column(Double, nullable=False)
    lon: Mapped[float] = mapped_column(Double, nullable=False)
    address: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    # The escalation ladder (backend.cases.sla): when the heads were alerted, and whether
    # the admins were too (the second rung, after the category's admin_escalation_hours).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admins_alerted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    supporters_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Bumped by every transition (not by counters): clients send it back to detect a
    # concurrent change, and the transition claims the row with it.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="app")
    # Contact given with the report by someone without an account (e.g. over Open311);
    # cleared when the reporter's account is erased.
    CONTACT_COLUMNS = ("contact_name", "contact_email", "contact_phone")
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    reporter = relationship("User", lazy="joined", foreign_keys=[reporter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    category = relationship("Category", lazy="joined")
    department = relationship("Department", lazy="joined")
    photos: Mapped[list[CasePhoto]] = relationship(
        back_populates="case",
        lazy="selectin",
        order_by="CasePhoto.id",
        cascade="all, delete-orphan",
    )
    rating: Mapped[CaseRating | None] = relationship(
        lazy="selectin", cascade="all, delete-orphan", uselist=False
    )
    tasks: Mapped[list[CaseTask]] = relationship(
        back_populates="case", order_by="CaseTask.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.status}>"

    @property
    def label(self) -> str:
        """How messages name the case: its title and reference, or the reference alone."""
        return f"“{self.title}” ({self.reference})" if self.title else f"Case {self.reference}"


class CaseReferenceCounter(db.Model):
    """The last sequence number given out per reference prefix and month (YYMM)."""

    __tablename__ = "case_reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False)


class CaseEvent(db.Model):
    """One row per thing that happened to a case; append-only. Ids increase."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Staff-only (internal notes): never in a resident-visible list or room.
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    actor = relationship("User", lazy="joined")
    department = relationship("Department", lazy="joined")
    case: Mapped[Case] = relationship()  # usually already in the session's identity map

    @property
    def public_reason(self) -> str | None:
        """The reason as the public sees it: an override's reason only when published."""
        if self.details.get("reason_public") is False:
            return None
        return self.reason

    @property
    def public_actor(self) -> object | None:
        """The actor as the public sees it: an anonymous reporter stays anonymous."""
        return person_on_case(self.case, self.actor, staff=False)


class CasePhoto(db.Model):
    """Renditions of one uploaded photo; the original is never kept."""

    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="report")  # after, verify
    key: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    thumb_key: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="photos")

    @property
    def url(self) -> str:
        return media_url(self.key)

    @property
    def thumb_url(self) -> str:
        return media_url(self.thumb_key)


def media_url(key: str) -> str:
    """Where a stored rendition is served (a photo's ``url`` and ``thumb_url``)."""
    return f"/media/{key}"


class CaseFollower(UserLinkMixin, db.Model):
    __tablename__ = "case_followers"

    case_id: Mapped[int] = parent_key("cases")


class CaseSupporter(UserLinkMixin, db.Model):
    """A "me too": one per user per case."""

    __tablename__ = "case_supporters"

    case_id: Mapped[int] = parent_key("cases")


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class CaseTask(db.Model):
    """A co-handling request: another department's share of the work on a case."""

    __tablename__ = "case_tasks"
    __table_args__ = (Index("ix_case_tasks_department_id_status", "department_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=TaskStatus.OPEN)
    request_note: Mapped[str | None] = mapped_column(Text)
    done_note: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department = relationship("Department", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    done_by = relationship("User", foreign_keys=[done_by_id], lazy="joined")
    case: Mapped[Case] = relationship(back_populates="tasks")


class CaseRating(db.Model):
    """The reporter's rating of the handling, once, after the case is closed."""

    __tablename__ = "case_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ResponseTemplate(TimestampMixin, db.Model):
    """A canned reply that staff of a category's department reuse."""

    __tablename__ = "response_templates"
    __table_args__ = (UniqueConstraint("category_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    category = relationship("Category", lazy="joined")
