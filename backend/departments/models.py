from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import TimestampMixin
from backend.extensions import db


class Department(TimestampMixin, db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # Other languages: {"zh-CN": "..."}; `name` is the default (English) one.
    names: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    members = relationship("Membership", viewonly=True)


class Category(TimestampMixin, db.Model):
    """What residents report; carries the routing (department) and the SLA."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    names: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    sla_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=72)
    # An overdue case still not moved this long after its heads were alerted goes to admins.
    admin_escalation_hours: Mapped[int] = mapped_column(
        Integer, nullable=False, default=24, server_default="24"
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # A recurring problem: this many cases of the category in one grid cell within this
    # many days (None: the defaults of backend.stats.recurring).
    recurring_count: Mapped[int | None] = mapped_column(Integer)
    recurring_days: Mapped[int | None] = mapped_column(Integer)
    # Open311-style extra questions: [{code, datatype, required, description, order, values}]
    attributes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    keywords: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # What the report screen says when the category is chosen ("If a pole has fallen onto
    # the road, call 110 first"); ``notice_stops``: the category only diverts, as an
    # emergency does ("Smell of gas: call 119 now"), and takes no reports.
    notice: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    notices: Mapped[dict] = mapped_column(
        JSON, nullable=False, default=dict, server_default=text("'{}'")
    )
    notice_stops: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    department: Mapped[Department] = relationship(lazy="joined")
