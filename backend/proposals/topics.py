"""Proposal topics: the city's list of what proposals are about, kept by admins.

Anyone reads the active topics; admins add, rename, reorder and retire them. A retired
topic stays on the proposals that have it but is offered for no new one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, require
from backend.errors import Conflict, NotFound
from backend.proposals.models import ProposalTopic
from backend.text import clean_text


def list_topics(session: Session, viewer, *, include_inactive: bool = False) -> list:
    if include_inactive:
        require(viewer, Permission.ADMINISTER)
    stmt = select(ProposalTopic).order_by(ProposalTopic.position, ProposalTopic.code)
    if not include_inactive:
        stmt = stmt.where(ProposalTopic.active.is_(True))
    return list(session.scalars(stmt))


def _get(session: Session, code: str) -> ProposalTopic:
    topic = session.scalar(select(ProposalTopic).where(ProposalTopic.code == code))
    if topic is None:
        raise NotFound(f"No topic '{code}'.")
    return topic


def _names(names: dict) -> dict:
    return {
        lang: clean_text(text, "names", max_length=80, multiline=False)
        for lang, text in names.items()
    }


def create_topic(session: Session, actor, data: dict) -> ProposalTopic:
    require(actor, Permission.ADMINISTER)
    topic = ProposalTopic(
        code=data["code"],
        name=clean_text(data["name"], "name", max_length=80, multiline=False),
        names=_names(data.get("names", {})),
        position=data.get("position", 0),
        active=data.get("active", True),
    )
    try:
        with session.begin_nested():
            session.add(topic)
    except IntegrityError:
        raise Conflict(f"There is a topic '{data['code']}' already.", code="exists") from None
    return topic


def update_topic(session: Session, actor, code: str, changes: dict) -> ProposalTopic:
    require(actor, Permission.ADMINISTER)
    topic = _get(session, code)
    if "name" in changes:
        topic.name = clean_text(changes["name"], "name", max_length=80, multiline=False)
    if "names" in changes:
        topic.names = _names(changes["names"])
    for key in ("position", "active"):
        if key in changes:
            setattr(topic, key, changes[key])
    session.flush()
    return topic
