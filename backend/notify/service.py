"""Notification rules: who gets what, through which channel, and the inbox itself.

Functions take a session, flush but never commit. A notification is written in the
transaction of the change that caused it; it goes out live (``user:<id>`` room) and by
Web Push (a job) only once that transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from backend import jobs
from backend.aftercommit import after_commit
from backend.auth.models import User
from backend.db import utcnow
from backend.errors import ValidationFailed
from backend.live.publish import publish, real_session
from backend.live.rooms import MAX_MISSED
from backend.mail import service as mail
from backend.notify import push
from backend.notify.kinds import CHANNELS, KINDS
from backend.notify.models import Notification, NotificationPreference
from backend.notify.redaction import redact
from backend.notify.schemas import notification_schema
from backend.pagination import paginate

MAX_TEXT = 280


def _clip(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def channels_for(
    session: Session, user_ids: list[int] | Select, kind: str, *, leave_out: int | None = None
) -> dict[int, str]:
    """Each active user's channel for ``kind`` (``user_ids``: a list, or a SELECT of them);
    inactive or unknown users, and ``leave_out``, are left out, and so is anyone left at
    an ``off`` default (``case_new``: a department's staff but the few who chose it). One
    read: the users and their preference for ``kind``, if any."""
    theirs = and_(NotificationPreference.user_id == User.id, NotificationPreference.kind == kind)
    stmt = select(User.id, NotificationPreference.channel).where(User.id.in_(user_ids), User.active)
    if KINDS[kind].default == "off":  # only those who turned it on: no row for the rest
        stmt = stmt.join(NotificationPreference, theirs).where(
            NotificationPreference.channel != "off"
        )
    else:
        stmt = stmt.outerjoin(NotificationPreference, theirs)
    if leave_out is not None:
        stmt = stmt.where(User.id != leave_out)
    chosen = session.execute(stmt).all()
    return {user_id: channel or KINDS[kind].default for user_id, channel in chosen}


def notify(
    session: Session,
    recipients: Iterable[int | None] | Select,
    *,
    kind: str,
    target_type: str,
    target_id: int | str,
    text: str,
    actor_id: int | None = None,
    deliver: bool = True,
) -> list[Notification]:
    """Write one notification per recipient (never to the actor, nor to those who turned
    ``kind`` off) and deliver each after commit through its owner's chosen channel
    (``deliver=False``: the caller calls :func:`deliver` itself). ``recipients``: user ids,
    or a SELECT of them, read with their channels in one statement."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not isinstance(recipients, Select):
        recipients = sorted({r for r in recipients if r is not None} - {actor_id})
        if not recipients:
            return []  # nothing to read
    channels = channels_for(session, recipients, kind, leave_out=actor_id)
    created = [
        Notification(
            user_id=user_id,
            kind=kind,
            target_type=target_type,
            target_id=str(target_id),
            text=_clip(text),
            channel=channel,
        )
        for user_id, channel in sorted(channels.items())
        if channel != "off"
    ]
    session.add_all(created)
    session.flush()
    if deliver:
        for notification in created:
            deliver_later(session, notification)
    return created


def deliver_later(session: Session, notification: Notification) -> None:
    """Queue the live event and the push job; both leave only after the commit."""
    if notification.channel in ("live", "push", "email"):
        payload = notification_schema.dump(redact(session, [notification])[0])
        publish(session, f"user:{notification.user_id}", "notification", payload)
    if notification.channel == "push" and push.has_devices(session, notification.user_id):
        after_commit(real_session(session), jobs.enqueue, push.send_notification, notification.id)
    if notification.channel == "email":
        mail_notification(real_session(session), notification)


def mail_notification(session: Session, notification: Notification) -> None:
    """The e-mail channel: the notification's text and a link to what it is about."""
    reader = session.get(User, notification.user_id)
    text = redact(session, [notification])[0].shown_text
    mail.send(session, reader, "notification", mail.public_url(notification.url or "/"), text=text)


def _mine(user: User):
    return select(Notification).where(Notification.user_id == user.id)


def unread_count(session: Session, user: User) -> int:
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return session.scalar(stmt) or 0


def inbox(session: Session, user: User, *, page: int, per_page: int, unread: bool) -> dict:
    """The list envelope, newest first, plus the unread count for the badge."""
    stmt = _mine(user).order_by(Notification.id.desc())
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page_of = paginate(session, stmt, page, per_page)
    redact(session, page_of["items"])
    return page_of | {"unread": unread_count(session, user)}


def missed(session: Session, user: User, since: int) -> list[Notification]:
    """Unread notifications after ``since``, oldest first (the ``user`` room's replay)."""
    stmt = (
        _mine(user)
        .where(Notification.id > since, Notification.read_at.is_(None))
        .order_by(Notification.id)
        .limit(MAX_MISSED)
    )
    return redact(session, session.scalars(stmt))


def mark_read(
    session: Session, user: User, *, ids: list[int] | None = None, everything: bool = False
) -> dict:
    """Mark some (or all) of ``user``'s notifications read; other devices hear of it."""
    if not everything and not ids:
        raise ValidationFailed("Send `ids` or `all: true`.", fields={"ids": ["Required."]})
    stmt = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not everything:
        stmt = stmt.where(Notification.id.in_(sorted(set(ids))))
    changed = session.execute(stmt).rowcount or 0
    result = {"updated": changed, "unread": unread_count(session, user)}
    if changed:
        event = {"ids": None if everything else sorted(set(ids)), **result}
        publish(session, f"user:{user.id}", "notifications.read", event)
    return result


def preferences(session: Session, user: User) -> dict[str, str]:
    chosen = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


def set_preferences(session: Session, user: User, changes: dict[str, str]) -> dict[str, str]:
    for kind, channel in changes.items():
        if kind not in KINDS or channel not in CHANNELS:
            raise ValidationFailed("Unknown kind or channel.", fields={kind: ["Invalid."]})
        row = session.get(NotificationPreference, (user.id, kind))
        if row is None:
            session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
        else:
            row.channel = channel
    session.flush()
    return preferences(session, user)
