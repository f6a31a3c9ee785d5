"""Departments and categories: the city's routing table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.permissions import require_admin
from backend.departments.models import Category, Department
from backend.errors import NotFound, ValidationFailed


def department_by_code(session: Session, code: str, *, active_only: bool = False) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None or (active_only and not department.active):
        raise NotFound(f"No department '{code}'.")
    return department


def category_by_code(session: Session, code: str, *, active_only: bool = False) -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None or (active_only and not category.active):
        raise NotFound(f"No category '{code}'.")
    return category


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


def create_department(session: Session, actor, data: dict) -> Department:
    require_admin(actor)
    _unique_code(session, Department, data["code"])
    department = Department(**data)
    session.add(department)
    session.flush()
    return department


def update_department(session: Session, actor, code: str, changes: dict) -> Department:
    require_admin(actor)
    department = department_by_code(session, code)
    for attribute, value in changes.items():
        setattr(department, attribute, value)
    return department


def create_category(session: Session, actor, data: dict) -> Category:
    require_admin(actor)
    _unique_code(session, Category, data["code"])
    data = dict(data, department=_department_for(session, data["department"]))
    category = Category(**data)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, actor, code: str, changes: dict) -> Category:
    require_admin(actor)
    category = category_by_code(session, code)
    changes = dict(changes)
    if "department" in changes:
        changes["department"] = _department_for(session, changes["department"])
    for attribute, value in changes.items():
        setattr(category, attribute, value)
    session.flush()
    return category
