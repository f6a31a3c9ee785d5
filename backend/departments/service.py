"""Departments and categories: the city's routing table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.permissions import OPERATOR, is_admin, is_head_of, require_admin
from backend.departments.models import Category, Department
from backend.errors import NotFound, ValidationFailed


def _by_code(session: Session, model, code: str, active_only: bool):
    found = session.scalar(select(model).where(model.code == code))
    if found is None or (active_only and not found.active):
        raise NotFound(f"No {model.__name__.lower()} '{code}'.")
    return found


def department_by_code(session: Session, code: str, *, active_only: bool = False) -> Department:
    return _by_code(session, Department, code, active_only)


def category_by_code(session: Session, code: str, *, active_only: bool = False) -> Category:
    return _by_code(session, Category, code, active_only)


def _unique_code(session: Session, model, code: str) -> None:
    if session.scalar(select(model.id).where(model.code == code)) is not None:
        raise ValidationFailed("This code is taken.", fields={"code": ["This code is taken."]})


def _department_for(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None or not department.active:
        raise ValidationFailed(
            "Unknown department.", fields={"department": [f"No active department '{code}'."]}
        )
    return department


def list_departments(session: Session, actor, *, include_inactive=False) -> list[Department]:
    """Active departments for everyone; deactivated ones too for admins who ask."""
    if include_inactive:
        require_admin(actor)
    stmt = select(Department).order_by(Department.name)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    return list(session.scalars(stmt))


def list_categories(session: Session, actor, *, include_inactive=False) -> list[Category]:
    """Active categories for everyone; deactivated ones too for admins who ask."""
    if include_inactive:
        require_admin(actor)
    stmt = select(Category).order_by(Category.name)
    if not include_inactive:
        stmt = stmt.where(Category.active.is_(True))
    return list(session.scalars(stmt))


def _create(session: Session, model, data: dict):
    _unique_code(session, model, data["code"])
    entry = model(**data)
    session.add(entry)
    session.flush()
    return entry


def _update(session: Session, entry, changes: dict):
    for attribute, value in changes.items():
        setattr(entry, attribute, value)
    session.flush()
    return entry


def _routed(session: Session, data: dict) -> dict:
    """A category's fields with its department code replaced by the department."""
    if "department" not in data:
        return data
    return dict(data, department=_department_for(session, data["department"]))


# Deactivating, rerouting and turning a category into an emergency diversion change the
# city's routing table: admins only.
ADMIN_ONLY = frozenset({"active", "department", "notice_stops"})


def _require_steward(actor, department: Department, changes: dict) -> None:
    """Admins change anything; a department's head its details and its categories'
    (deadlines, escalation, questions, names), but neither activation nor routing."""
    if actor is OPERATOR or is_admin(actor):
        return
    if not is_head_of(actor, department.id) or ADMIN_ONLY & set(changes):
        require_admin(actor)


def create_department(session: Session, actor, data: dict) -> Department:
    require_admin(actor)
    return _create(session, Department, data)


def update_department(session: Session, actor, code: str, changes: dict) -> Department:
    department = department_by_code(session, code)
    _require_steward(actor, department, changes)
    return _update(session, department, changes)


def create_category(session: Session, actor, data: dict) -> Category:
    require_admin(actor)
    return _create(session, Category, _routed(session, data))


def update_category(session: Session, actor, code: str, changes: dict) -> Category:
    category = category_by_code(session, code)
    _require_steward(actor, category.department, changes)
    return _update(session, category, _routed(session, changes))
