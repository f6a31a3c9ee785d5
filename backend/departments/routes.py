"""Public listings of departments and categories, and their administration."""

from __future__ import annotations

from flask_smorest import Blueprint

from backend.auth.session import user
from backend.departments import service
from backend.departments.schemas import (
    CategorySchema,
    CategoryUpdateSchema,
    DepartmentSchema,
    DepartmentUpdateSchema,
    ListQuerySchema,
)
from backend.extensions import db
from backend.idempotency import idempotent
from backend.pagination import page_of, single_page

blp = Blueprint("departments", __name__, url_prefix="/api/v1", description="City routing table")


@blp.route("/departments", methods=["GET"])
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, page_of(DepartmentSchema))
def list_departments(args):
    """All active departments (public)."""
    departments = service.list_departments(
        db.session, user(), include_inactive=args["include_inactive"]
    )
    return single_page(departments)


@blp.route("/departments", methods=["POST"])
@idempotent
@blp.arguments(DepartmentSchema)
@blp.response(201, DepartmentSchema)
def create_department(data):
    """Create a department (admin)."""
    department = service.create_department(db.session, user(), data)
    db.session.commit()
    return department


@blp.route("/departments/<code>", methods=["GET"])
@blp.response(200, DepartmentSchema)
def get_department(code):
    """One department (public)."""
    return service.department_by_code(db.session, code, active_only=True)


@blp.route("/departments/<code>", methods=["PATCH"])
@blp.arguments(DepartmentUpdateSchema)
@blp.response(200, DepartmentSchema)
def update_department(data, code):
    """Edit a department (admins, and its head); deactivate it (admins)."""
    department = service.update_department(db.session, user(), code, data)
    db.session.commit()
    return department


@blp.route("/categories", methods=["GET"])
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, page_of(CategorySchema))
def list_categories(args):
    """All active categories with their department, SLA and extra questions (public)."""
    categories = service.list_categories(
        db.session, user(), include_inactive=args["include_inactive"]
    )
    return single_page(categories)


@blp.route("/categories", methods=["POST"])
@idempotent
@blp.arguments(CategorySchema)
@blp.response(201, CategorySchema)
def create_category(data):
    """Create a category (admin)."""
    category = service.create_category(db.session, user(), data)
    db.session.commit()
    return category


@blp.route("/categories/<code>", methods=["GET"])
@blp.response(200, CategorySchema)
def get_category(code):
    """One category (public)."""
    return service.category_by_code(db.session, code, active_only=True)


@blp.route("/categories/<code>", methods=["PATCH"])
@blp.arguments(CategoryUpdateSchema)
@blp.response(200, CategorySchema)
def update_category(data, code):
    """Edit a category (admins, and the head of its department); re-route or deactivate it
    (admins)."""
    category = service.update_category(db.session, user(), code, data)
    db.session.commit()
    return category
