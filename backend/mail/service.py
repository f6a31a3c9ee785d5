"""Compose mail in the recipient's language and send it through the job queue.

:func:`send` writes the message to the outbox in the caller's transaction and queues
:func:`deliver_job` for after the commit, so no request waits on (or fails with) the SMTP
server. A refused attempt is retried after each of ``MAIL_RETRY_DELAYS``, then given up.
"""

from __future__ import annotations

import html
import json
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.aftercommit import after_commit
from backend.db import utcnow
from backend.extensions import db
from backend.mail.models import OutgoingMail
from backend.mail.transport import MailNotSent, deliver

log = logging.getLogger(__name__)
LANGUAGES = ("en", "zh-CN")
MESSAGES = Path(__file__).parent / "messages"


@cache
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / f"{lang}.json").read_text(encoding="utf-8"))


def public_url(path: str) -> str:
    config = current_app.config
    base = config["PUBLIC_URL"] or f"http://{config['HOST']}:{config['PORT']}"
    return base.rstrip("/") + path


def compose(
    *, to: str, name: str, lang: str, kind: str, link: str, **values: object
) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML) in ``lang``."""
    lang = lang if lang in LANGUAGES else "en"
    texts = catalogue(lang)
    values = {"city": current_app.config["CITY_NAME"], "name": name, **values}

    def say(key: str) -> str:
        return texts[key].format(**values)

    subject = " ".join(say(f"{kind}.subject").split())[:200]
    greeting, body, action, footer = (
        say("greeting"),
        say(f"{kind}.body"),
        say(f"{kind}.action"),
        say("footer"),
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((name, to))
    message["Message-ID"] = make_msgid(domain="cityloop")
    message.set_content(f"{greeting}\n\n{body}\n\n{action}: {link}\n\n-- \n{footer}\n")
    e = html.escape
    message.add_alternative(
        f'<!doctype html><html lang="{e(lang)}"><body>'
        f"<p>{e(greeting)}</p><p>{e(body)}</p>"
        f'<p><a href="{e(link)}">{e(action)}</a></p>'
        f'<hr><p style="color:#555;font-size:small">{e(footer)}</p></body></html>',
        subtype="html",
    )
    message["Content-Language"] = lang  # after the parts: Content-* headers move into them
    return message


def send(session: Session, user, kind: str, link: str, *, to: str | None = None, **values) -> None:
    """Mail ``user`` (at ``to``, default their address) after the commit."""
    message = compose(
        to=to or user.email,
        name=user.display_name,
        lang=user.locale,
        kind=kind,
        link=link,
        **values,
    )
    row = OutgoingMail(
        user_id=user.id, recipient=to or user.email, kind=kind, message=message.as_string()
    )
    session.add(row)
    session.flush()
    from backend.jobs import enqueue

    after_commit(session, enqueue, deliver_job, row.id)


def deliver_job(mail_id: int) -> None:
    """Job: one attempt at sending the outbox row ``mail_id``."""
    from email import message_from_string, policy

    from backend.jobs import enqueue_in

    session = db.session
    row = session.get(OutgoingMail, mail_id, with_for_update=True)
    if row is None or row.failed_at is not None:
        session.rollback()
        return
    message = message_from_string(row.message, policy=policy.default)
    row.attempts += 1
    try:
        deliver(message, f"{row.created_at:%Y%m%dT%H%M%S}-{row.id}-{row.kind}")
    except MailNotSent as exc:
        delays = current_app.config["MAIL_RETRY_DELAYS"]
        row.last_error = str(exc)
        if row.attempts > len(delays):
            row.failed_at = utcnow()
            row.next_attempt_at = None
            log.error("mail %s to user %s given up: %s", row.id, row.user_id, exc)
        else:
            delay = delays[row.attempts - 1]
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)
            log.warning("mail %s not sent (%s); retry in %ss", row.id, exc, delay)
            after_commit(session, enqueue_in, delay, deliver_job, row.id)
        session.commit()
        return
    session.delete(row)
    session.commit()


def retry_due() -> int:
    """Queue every outbox mail whose retry time has come (``flask mail retry``, e.g. after a
    restart forgot the timers). Returns how many were queued."""
    from backend.jobs import enqueue

    due = db.session.scalars(
        select(OutgoingMail.id).where(
            OutgoingMail.failed_at.is_(None),
            (OutgoingMail.next_attempt_at.is_(None)) | (OutgoingMail.next_attempt_at <= utcnow()),
        )
    ).all()
    db.session.rollback()
    for mail_id in due:
        enqueue(deliver_job, mail_id)
    return len(due)
