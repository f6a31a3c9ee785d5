"""Staff response templates, per category: canned replies the category's department reuses."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.permissions import is_member, require_user
from backend.cases.models import ResponseTemplate
from backend.departments.models import Category
from backend.departments.service import category_by_code
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.ids import id_in_range
from backend.text import clean_text


def uses_templates(actor, category: Category) -> bool:
    """Staff of the category's department (and admins) read and manage its templates; a
    co-handling department or the lead after a transfer elsewhere does not. Reads the
    category's ``department_id`` only (a case row's category has it too)."""
    return is_member(actor, category.department_id)


def category_for_staff(session: Session, actor, code: str) -> Category:
    """The category, if ``actor`` is staff of its department (or an admin)."""
    require_user(actor)
    category = category_by_code(session, code)
    if not uses_templates(actor, category):
        raise Forbidden("Only staff of this category's department manage its templates.")
    return category


def templates_of(category: Category) -> Select:
    return (
        select(ResponseTemplate)
        .where(ResponseTemplate.category_id == category.id)
        .order_by(ResponseTemplate.title, ResponseTemplate.id)
    )


def get_template(session: Session, category: Category, template_id: int) -> ResponseTemplate:
    template = session.get(ResponseTemplate, template_id) if id_in_range(template_id) else None
    if template is None or template.category_id != category.id:
        raise NotFound("No such template.")
    return template


def _clean(data: dict) -> dict:
    cleaned = {}
    if "title" in data:
        cleaned["title"] = clean_text(data["title"], "title", max_length=120)
    if "body" in data:
        cleaned["body"] = clean_text(data["body"], "body", max_length=5000, multiline=True)
    return cleaned


def _save(session: Session, template: ResponseTemplate) -> ResponseTemplate:
    try:
        with session.begin_nested():
            session.add(template)
            session.flush()
    except IntegrityError:
        raise ValidationFailed(
            "A template with this title exists.", fields={"title": ["This title is taken."]}
        ) from None
    return template


def create_template(session: Session, category: Category, actor, data: dict) -> ResponseTemplate:
    template = ResponseTemplate(category=category, created_by_id=actor.id, **_clean(data))
    return _save(session, template)


def update_template(session: Session, template: ResponseTemplate, data: dict) -> ResponseTemplate:
    for name, value in _clean(data).items():
        setattr(template, name, value)
    return _save(session, template)


def delete_template(session: Session, template: ResponseTemplate) -> None:
    session.delete(template)
    session.flush()
