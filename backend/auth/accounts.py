"""Accounts people control: verify an address, change it, reset a forgotten password,
delete the account. Functions take a session, flush but never commit; mail leaves through
the job queue after the commit."""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.aftercommit import after_commit
from backend.auth import personal_data, tokens
from backend.auth.models import Membership, User
from backend.auth.passwords import UNUSABLE, hash_password, verify_password
from backend.auth.service import _check_password, find_user_by_email
from backend.db import utcnow
from backend.errors import Forbidden, ValidationFailed
from backend.mail import service as mail

signals = Namespace()
# Sent (session, user=) inside the transaction that closes an account: the domains that
# keep something live for that person (push devices) end it, and it commits with the rest.
account_closing = signals.signal("account_closing")
# Sent (session, user=, action=, after=, actor=) for a change to an account that the audit
# log records (backend.audit.registrations), in the same transaction: by the person
# themselves, or by ``actor`` (an administrator). Only the fact is kept, never an address:
# the log outlives an erased account.
account_changed = signals.signal("account_changed")


def _link(path: str, token: str) -> str:
    return mail.public_url(f"{path}?token={token}")


def send_verification(session: Session, user: User) -> None:
    token = tokens.make(tokens.VERIFY, user)
    hours = tokens.max_age(tokens.VERIFY) // 3600
    mail.send(session, user, "verify", _link("/verify", token), hours=hours)


def verify(session: Session, token: str) -> User:
    """Confirm an address: the account's own (after sign-up) or a new one it asked for."""
    try:
        user, _ = tokens.read(session, tokens.VERIFY, token)
    except ValidationFailed as exc:
        if exc.code != "token_invalid":
            raise
        return _apply_email_change(session, token)
    user.email_verified_at = utcnow()
    session.flush()
    return user


def request_email_change(session: Session, user: User, *, email: str, password: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is used."""
    if not verify_password(user.password_hash, password):
        raise ValidationFailed("Wrong password.", fields={"password": ["Wrong password."]})
    email = email.strip()
    _address_free(session, user, email)
    token = tokens.make(tokens.EMAIL_CHANGE, user, e=email)
    hours = tokens.max_age(tokens.EMAIL_CHANGE) // 3600
    mail.send(session, user, "email_change", _link("/verify", token), to=email, hours=hours)


def _address_free(session: Session, user: User, email: str) -> None:
    other = find_user_by_email(session, email)
    if other is not None and other.id != user.id:
        raise ValidationFailed(
            "This e-mail is already registered.",
            fields={"email": ["This e-mail is already registered."]},
        )
    if other is not None:
        raise ValidationFailed("This is already your e-mail.", fields={"email": ["Unchanged."]})


def _apply_email_change(session: Session, token: str) -> User:
    user, payload = tokens.read(session, tokens.EMAIL_CHANGE, token)
    _address_free(session, user, payload["e"])
    user.email = payload["e"]
    user.email_verified_at = utcnow()
    account_changed.send(session, user=user, action="account.email_changed")
    session.flush()
    return user


def request_password_reset(session: Session, email: str) -> None:
    """Mail a reset link if ``email`` names an active account; the caller answers 202
    whatever happens, so the answer tells nobody whether the address is registered."""
    user = find_user_by_email(session, email or "")
    if user is None or not user.active:
        return
    token = tokens.make(tokens.RESET, user)
    minutes = tokens.max_age(tokens.RESET) // 60
    mail.send(session, user, "reset", _link("/reset-password", token), minutes=minutes)


def confirm_password_reset(session: Session, token: str, password: str) -> User:
    """Set a new password (the token then stops working) and end every session."""
    user, _ = tokens.read(session, tokens.RESET, token)
    _check_password(password, user.email, user.display_name)
    user.password_hash = hash_password(password)
    user.email_verified_at = user.email_verified_at or utcnow()  # the link reached them
    personal_data.end_sessions(session, user)
    account_changed.send(session, user=user, action="account.password_reset")
    session.flush()
    return user


def _only_head_of(session: Session, user: User) -> list[str]:
    """Departments that would be left without a head."""
    heads = (
        select(Membership.department_id, func.count().label("n"))
        .where(Membership.is_head)
        .group_by(Membership.department_id)
        .subquery()
    )
    return [
        m.department.code
        for m in user.memberships
        if m.is_head
        and session.scalar(select(heads.c.n).where(heads.c.department_id == m.department_id)) == 1
    ]


def request_deletion(session: Session, user: User, password: str) -> None:
    """Close the account now (signed out everywhere, devices gone) and erase it in a job."""
    from backend.jobs import enqueue

    if not verify_password(user.password_hash, password):
        raise ValidationFailed("Wrong password.", fields={"password": ["Wrong password."]})
    departments = _only_head_of(session, user)
    if departments:
        raise Forbidden(
            f"You are the only head of {', '.join(departments)}: name another head first.",
            code="only_head",
        )
    user.active = False
    user.password_hash = UNUSABLE
    personal_data.end_sessions(session, user)
    account_closing.send(session, user=user)
    account_changed.send(session, user=user, action="account.deleted", after={"role": user.role})
    session.flush()
    after_commit(session, enqueue, erase_job, user.id)


def erase_job(user_id: int) -> None:
    from backend.extensions import db

    personal_data.erase(db.session, user_id)
    db.session.commit()
