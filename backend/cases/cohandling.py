"""Co-handling: the lead department asks others to take part; each marks its task done.

Tasks are recorded in the case's public trail (which department was asked, and when it
finished) but their notes stay with the staff involved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.auth.permissions import is_authenticated, is_member, require_user
from backend.cases import escalation
from backend.cases.history import record_event
from backend.cases.models import Case, CaseFacts, CaseTask, Status, TaskFacts, TaskStatus
from backend.cases.transitions import lead_handler
from backend.db import utcnow
from backend.departments.models import Department
from backend.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from backend.ids import id_in_range
from backend.text import clean_text

WORKABLE = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)


def active_department(session: Session, code: str | None, field: str = "department") -> Department:
    department = session.scalar(select(Department).where(Department.code == (code or "")))
    if department is None or not department.active:
        raise ValidationFailed(
            "Unknown department.", fields={field: [f"No active department '{code}'."]}
        )
    return department


def open_tasks(case: Case) -> list[CaseTask]:
    return [task for task in case.tasks if task.status == TaskStatus.OPEN]


def request_refusal(actor, case: CaseFacts) -> DomainError | None:
    """Why ``actor`` may not ask another department to co-handle ``case`` now, or None."""
    if not is_authenticated(actor):
        return NotAuthenticated("Sign in first.")
    if not lead_handler(actor, case):
        return Forbidden("Only the lead department can ask for help.", code="not_lead")
    return _state_refusal(case)


def _state_refusal(case: CaseFacts) -> DomainError | None:
    if case.status not in WORKABLE:
        return Conflict(f"A {case.status} case cannot get new tasks.", code="invalid_state")
    return None


def completion_refusal(actor, task: TaskFacts) -> DomainError | None:
    """Why ``actor`` may not mark ``task`` done, or None: staff of the task's department
    (or an admin), while it is open."""
    if not is_authenticated(actor):
        return NotAuthenticated("Sign in first.")
    if not is_member(actor, task.department_id):
        return Forbidden("Only the asked department can finish this task.", code="not_member")
    if task.status != TaskStatus.OPEN:
        return Conflict("This task is done already.", code="task_done")
    return None


def request_task(
    session: Session,
    case: Case,
    actor,
    department_code: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
    system: bool = False,
) -> CaseTask:
    """Ask another department to co-handle ``case`` (the lead department's staff, or the
    system for an urgent report)."""
    error = _state_refusal(case) if system else request_refusal(actor, case)
    if error is not None:
        raise error
    department = active_department(session, department_code)
    if department.id == case.department_id:
        raise ValidationFailed(
            "The lead department cannot co-handle its own case.",
            fields={"department": ["Choose another department."]},
        )
    if any(task.department_id == department.id for task in open_tasks(case)):
        raise Conflict("This department already has an open task here.", code="task_exists")
    now = now or utcnow()
    task = CaseTask(
        department=department,
        request_note=clean_text(note, "note", max_length=2000, multiline=True, required=False),
        requested_by_id=None if system else actor.id,
        created_at=now,
    )
    case.tasks.append(task)
    session.flush()
    record_event(
        session,
        case,
        None if system else actor,
        "cohandle",
        now=now,
        department=department,
        details={"task_id": task.id},
    )
    escalation.alert_cohandling(session, case, department, None if system else actor.id)
    return task


def complete_task(
    session: Session, task: CaseTask, actor, note: str | None, *, now: datetime | None = None
) -> CaseTask:
    """Staff of the task's department (or an admin) mark it done, with a note."""
    error = completion_refusal(actor, task)
    if error is not None:
        raise error
    now = now or utcnow()
    task.done_note = clean_text(note, "note", max_length=2000, multiline=True)
    task.status = TaskStatus.DONE
    task.done_by_id = actor.id
    task.done_at = now
    session.flush()
    record_event(
        session,
        task.case,
        actor,
        "task_done",
        now=now,
        department=task.department,
        details={"task_id": task.id},
    )
    return task


def get_task(session: Session, case: Case, task_id: int) -> CaseTask:
    task = session.get(CaseTask, task_id) if id_in_range(task_id) else None
    if task is None or task.case_id != case.id:
        raise NotFound("No such task on this case.")
    return task


def department_tasks(session: Session, actor, department_code: str, status: str) -> Select:
    """A department's co-handling inbox (its staff and admins)."""
    require_user(actor)
    department = session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise NotFound(f"No department '{department_code}'.")
    if not is_member(actor, department.id):
        raise Forbidden("Only this department's staff see its tasks.", code="not_member")
    return (
        select(CaseTask)
        .where(CaseTask.department_id == department.id, CaseTask.status == status)
        .order_by(CaseTask.created_at.desc(), CaseTask.id.desc())
    )
