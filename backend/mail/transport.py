"""Hand a message to the SMTP server of ``SMTP_URL``, or write it to the data folder."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://[^\s<>\"]+")


class MailNotSent(Exception):
    """The server could not take the message now; try again later."""


def _smtp(url: str, timeout: float) -> smtplib.SMTP:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("CITYLOOP_SMTP_URL must start with smtp:// or smtps://")
    host = parts.hostname or "localhost"
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, parts.port or 587, timeout=timeout)
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def _write_eml(message: EmailMessage, name: str) -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    partial = folder / f".{name}.part"  # renamed when complete: readers never see half a mail
    partial.write_bytes(message.as_bytes())
    partial.replace(path)
    text = message.get_body(("plain",))
    links = LINK.findall(text.get_content()) if text is not None else []
    log.info("mail to %s written to %s; links: %s", message["To"], path, " ".join(links))
    return path


def deliver(message: EmailMessage, name: str) -> None:
    """Send ``message`` now; raise :class:`MailNotSent` when the server cannot take it."""
    url = current_app.config["SMTP_URL"]
    if not url:
        _write_eml(message, name)
        return
    try:
        with _smtp(url, current_app.config["SMTP_TIMEOUT"]) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {exc}"[:500]) from exc
