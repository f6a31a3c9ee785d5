"""Web Push: browser subscriptions, and sending (always in a job, never in the request).

A push payload is small and carries nothing private: the notification's public text, the
page to open and a tag that lets the browser collapse repeats. Push services answer 404
or 410 for a subscription that is gone; it is then deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from urllib.parse import urlparse

import requests
from flask import current_app
from pywebpush import WebPushException, webpush
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.db import utcnow
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.notify import vapid
from backend.notify.models import Notification, PushDelivery, PushSubscription
from backend.notify.redaction import redact

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600  # a push not delivered within a day is stale
TIMEOUT_SECONDS = 10
GONE = {404, 410}
# The push services of Chrome/Edge/Android, Firefox, Safari/iOS and Windows.
DEFAULT_ENDPOINT_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)


def _allowed_hosts() -> tuple[str, ...]:
    configured = current_app.config["PUSH_ENDPOINT_HOSTS"]
    if isinstance(configured, str):
        configured = [h.strip() for h in configured.split(",") if h.strip()]
    return tuple(configured or DEFAULT_ENDPOINT_HOSTS)


def check_endpoint(endpoint: str) -> str:
    """Only real push services: the server POSTs to this URL, so an arbitrary one would
    let any user aim it at internal addresses."""
    parsed = urlparse(endpoint)
    secure = parsed.scheme == "https" or (
        parsed.scheme == "http" and current_app.config["PUSH_ALLOW_HTTP"]
    )
    host = (parsed.hostname or "").lower()
    known = any(host == h or host.endswith("." + h) for h in _allowed_hosts())
    if not (secure and known and parsed.netloc):
        raise ValidationFailed(
            "This is not a push service endpoint.", fields={"endpoint": ["Unknown push service."]}
        )
    return endpoint


def _key_bytes(value: str, size: int, name: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size or (name == "p256dh" and raw[0] != 4):
        raise ValidationFailed("Invalid subscription keys.", fields={"keys": {name: ["Invalid."]}})
    return value.rstrip("=")


MAX_DEVICES = 10  # per person; a new device beyond that replaces the one registered first


def subscribe(
    session: Session, user: User, *, endpoint: str, p256dh: str, auth: str
) -> tuple[PushSubscription, bool]:
    """Keep this device's subscription; the same endpoint again updates it.

    An endpoint registered to someone else moves only with the same keys: the same browser
    subscription, now signed in as another person. Knowing another person's endpoint alone
    is not enough to take over their notifications (409).
    """
    check_endpoint(endpoint)
    p256dh = _key_bytes(p256dh, 65, "p256dh")
    auth = _key_bytes(auth, 16, "auth")
    existing = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if existing is not None:
        if existing.user_id != user.id and (existing.p256dh, existing.auth) != (p256dh, auth):
            raise Conflict("This push endpoint is registered to another account.")
        existing.user_id, existing.p256dh, existing.auth = user.id, p256dh, auth
        session.flush()
        return existing, False
    _make_room_for_a_device(session, user)
    subscription = PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    session.add(subscription)
    session.flush()
    return subscription, True


def _make_room_for_a_device(session: Session, user: User) -> None:
    devices = session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).all()
    for oldest in devices[: max(0, len(devices) - MAX_DEVICES + 1)]:
        session.delete(oldest)
    session.flush()


def unsubscribe(session: Session, user: User, endpoint: str) -> None:
    subscription = session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    )
    if subscription is None:
        raise NotFound("No such push subscription.")
    session.delete(subscription)
    session.flush()


def _subscription_info(subscription: PushSubscription) -> dict:
    keys = {"p256dh": subscription.p256dh, "auth": subscription.auth}
    return {"endpoint": subscription.endpoint, "keys": keys}


def send(session: Session, subscription: PushSubscription, payload: dict) -> bool:
    """Send one push; False when the subscription is gone (and so deleted)."""
    outcome = _post(_subscription_info(subscription), payload, subscription.id)
    _keep_outcome(session, subscription, outcome)
    return outcome != "gone"


def _post(info: dict, payload: dict, subscription_id: int) -> str:
    """POST one push (no database work): "sent", "failed" (the push service refused or was
    unreachable: try again next time) or "gone" (the subscription has ended)."""
    try:
        webpush(
            info,
            data=json.dumps(payload, separators=(",", ":")),
            vapid_private_key=vapid.vapid_key(),
            vapid_claims={"sub": vapid.subject()},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            return "gone"
        log.warning("push to subscription %s failed: %s", subscription_id, status)
        return "failed"
    except requests.RequestException as exc:
        log.warning("push to subscription %s failed: %s", subscription_id, type(exc).__name__)
        return "failed"
    return "sent"


def _keep_outcome(session: Session, subscription: PushSubscription, outcome: str) -> None:
    if outcome == "gone":
        session.delete(subscription)
    elif outcome == "sent":
        subscription.last_success_at = utcnow()


def has_devices(session: Session, user_id: int) -> bool:
    """Whether a push job for ``user_id`` would have anywhere to go."""
    stmt = select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    return session.scalar(stmt) is not None


def send_to_user(session: Session, user_id: int, payload: dict) -> int:
    """Push ``payload`` to every device of ``user_id``; returns how many accepted it."""
    subscriptions = session.scalars(
        select(PushSubscription).where(PushSubscription.user_id == user_id)
    ).all()
    return sum(1 for s in subscriptions if send(session, s, payload))


def payload_of(notification: Notification) -> dict:
    return {
        "title": "CityLoop",
        "body": notification.shown_text,
        "url": notification.url,
        "tag": f"{notification.target_type}:{notification.target_id}",
        "notification_id": notification.id,
    }


def send_notification(notification_id: int) -> None:
    """Job: push one notification to its owner's devices (skipped once read).

    Each device's send is recorded and committed at once, so the job run again after its
    worker was killed (``backend/jobs.py``) skips the devices already reached. A kill in
    the moment between a push service's answer and that commit repeats that one push; the
    browser then replaces the first with it (same ``tag``). No transaction stays open
    while a push service answers (on SQLite it would hold the write lock)."""
    session = db.session
    notification = session.get(Notification, notification_id)
    if notification is None or notification.read_at is not None:
        return
    redact(session, [notification])
    payload = payload_of(notification)
    devices = [(s.id, _subscription_info(s)) for s in _devices_not_yet_sent(session, notification)]
    session.commit()
    for subscription_id, info in devices:
        outcome = _post(info, payload, subscription_id)
        subscription = session.get(PushSubscription, subscription_id)
        if subscription is not None:
            _keep_outcome(session, subscription, outcome)
            if outcome == "sent":
                session.add(
                    PushDelivery(notification_id=notification_id, subscription_id=subscription_id)
                )
        session.commit()


def _devices_not_yet_sent(session: Session, notification: Notification) -> list[PushSubscription]:
    sent = select(PushDelivery.subscription_id).where(
        PushDelivery.notification_id == notification.id
    )
    return session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == notification.user_id, PushSubscription.id.not_in(sent))
        .order_by(PushSubscription.id)
    ).all()


def mail_digest(session: Session, user_id: int, count: int) -> None:
    from backend.mail import service as mail

    reader = session.get(User, user_id)
    if reader is not None and reader.active:
        mail.send(session, reader, "digest", mail.public_url("/notifications"), count=count)


def send_digests() -> int:
    """Job (daily, e.g. from cron: ``flask --app wsgi notify digest``): one push per
    person summarising their unread "digest" notifications. Returns people notified.

    Each person's digest is marked sent and committed right after it goes, so a run killed
    partway and started again sends only to those it had not reached (a kill between one
    person's push and that commit repeats their push, which replaces the first: same tag)."""
    session = db.session
    pending = session.execute(
        select(Notification.user_id, func.count(Notification.id), func.max(Notification.id))
        .where(
            Notification.channel == "digest",
            Notification.digested_at.is_(None),
            Notification.read_at.is_(None),
        )
        .group_by(Notification.user_id)
    ).all()
    session.commit()
    for user_id, count, last_id in pending:
        _send_digest(session, user_id, count)
        session.execute(
            Notification.__table__.update()
            .where(
                Notification.user_id == user_id,
                Notification.channel == "digest",
                Notification.digested_at.is_(None),
                Notification.id <= last_id,
            )
            .values(digested_at=utcnow())
        )
        session.commit()
    return len(pending)


def _send_digest(session: Session, user_id: int, count: int) -> None:
    body = "1 new update" if count == 1 else f"{count} new updates"
    payload = {"title": "CityLoop", "body": body, "url": "/notifications", "tag": "digest"}
    if has_devices(session, user_id):
        send_to_user(session, user_id, payload)
    else:  # a phone without the app installed still hears of it
        mail_digest(session, user_id, count)
