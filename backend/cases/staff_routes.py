"""HTTP adapters for staff work on cases: assignees, co-handling tasks and response
templates."""

from __future__ import annotations

from flask_smorest import Blueprint

from backend.auth.permissions import is_member, require_user
from backend.auth.session import user
from backend.cases import assignment, cohandling, service, templates
from backend.cases.schemas import (
    AssigneeUpdateSchema,
    CaseSchema,
    PersonSchema,
    TaskCreateSchema,
    TaskDoneSchema,
    TaskQuerySchema,
    TaskSchema,
    TaskWithCaseSchema,
    TemplateSchema,
    TemplateUpdateSchema,
)
from backend.departments.service import department_by_code
from backend.errors import Forbidden
from backend.extensions import db
from backend.idempotency import idempotent
from backend.pagination import PageArgs, page_of, paginate, single_page

blp = Blueprint(
    "case_staff", __name__, url_prefix="/api/v1", description="Staff work: co-handling, templates"
)


def _handled_case(case_id: int):
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    if not service.is_case_handler(acting, case):
        raise Forbidden("Only the staff handling this case see its tasks.")
    return case


@blp.route("/cases/<int:case_id>/assignee", methods=["PUT"])
@blp.arguments(AssigneeUpdateSchema)
@blp.response(200, CaseSchema)
def set_assignee(data, case_id):
    """Give the case to a person of its department, or back to the department (`null`):
    the lead department's staff and admins."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    assignment.assign_person(db.session, case, acting, data["assignee"])
    db.session.commit()
    return case  # only its handlers get here: the staff schema is theirs


@blp.route("/departments/<code>/people", methods=["GET"])
@blp.response(200, page_of(PersonSchema))
def department_people(code):
    """The department's active staff, to assign cases to (its staff and admins)."""
    acting = require_user(user())
    department = department_by_code(db.session, code, active_only=True)
    if not is_member(acting, department.id):
        raise Forbidden("Only the department's staff see its people.", code="not_member")
    return single_page(assignment.department_people(db.session, department.id))


@blp.route("/cases/<int:case_id>/tasks", methods=["GET"])
@blp.response(200, page_of(TaskSchema))
def list_tasks(case_id):
    """The case's co-handling tasks (staff handling the case)."""
    tasks = list(_handled_case(case_id).tasks)
    return single_page(tasks)


@blp.route("/cases/<int:case_id>/tasks", methods=["POST"])
@idempotent
@blp.arguments(TaskCreateSchema)
@blp.response(201, TaskSchema)
def create_task(data, case_id):
    """Ask another department to co-handle the case (lead department's staff)."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    task = cohandling.request_task(db.session, case, acting, data["department"], data.get("note"))
    db.session.commit()
    return task


@blp.route("/cases/<int:case_id>/tasks/<int:task_id>/done", methods=["POST"])
@blp.arguments(TaskDoneSchema)
@blp.response(200, TaskSchema)
def complete_task(data, case_id, task_id):
    """Mark a task done, with a note (staff of the asked department)."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    task = cohandling.complete_task(
        db.session, cohandling.get_task(db.session, case, task_id), acting, data["note"]
    )
    db.session.commit()
    return task


@blp.route("/tasks", methods=["GET"])
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, page_of(TaskWithCaseSchema))
def department_tasks(args):
    """A department's co-handling inbox (its staff and admins), newest first."""
    stmt = cohandling.department_tasks(db.session, user(), args["department"], args["status"])
    return paginate(db.session, stmt, args["page"], args["per_page"])


@blp.route("/categories/<code>/templates", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(TemplateSchema))
def list_templates(args, code):
    """Response templates of a category (staff of its department, admins)."""
    category = templates.category_for_staff(db.session, user(), code)
    return paginate(db.session, templates.templates_of(category), args["page"], args["per_page"])


@blp.route("/categories/<code>/templates", methods=["POST"])
@idempotent
@blp.arguments(TemplateSchema)
@blp.response(201, TemplateSchema)
def create_template(data, code):
    """Add a response template to a category."""
    acting = user()
    category = templates.category_for_staff(db.session, acting, code)
    template = templates.create_template(db.session, category, acting, data)
    db.session.commit()
    return template


@blp.route("/categories/<code>/templates/<int:template_id>", methods=["PATCH"])
@blp.arguments(TemplateUpdateSchema)
@blp.response(200, TemplateSchema)
def update_template(data, code, template_id):
    """Edit a response template."""
    category = templates.category_for_staff(db.session, user(), code)
    template = templates.get_template(db.session, category, template_id)
    template = templates.update_template(db.session, template, data)
    db.session.commit()
    return template


@blp.route("/categories/<code>/templates/<int:template_id>", methods=["DELETE"])
@blp.response(204)
def delete_template(code, template_id):
    """Delete a response template."""
    category = templates.category_for_staff(db.session, user(), code)
    templates.delete_template(db.session, templates.get_template(db.session, category, template_id))
    db.session.commit()
