"""What each transition does besides changing the status (the status itself is set by
:func:`backend.cases.history.log_event`). Each effect returns the event's fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.cases import assignment, cohandling, engagement
from backend.cases.access import can_view_case
from backend.cases.history import record_event
from backend.cases.models import OPEN_STATUSES, Case
from backend.config import DEFAULTS
from backend.departments.models import Department
from backend.errors import Conflict, ValidationFailed
from backend.ids import id_in_range


@dataclass(frozen=True)
class Policy:
    """The time rules of the loop; adapters build one from the app config
    (:meth:`from_config`) and hand it to the services, which never read config."""

    auto_close_days: int = DEFAULTS["AUTO_CLOSE_DAYS"]  # resolved, unanswered -> closed
    reopen_days: int = DEFAULTS["REOPEN_DAYS"]  # after resolving, the reporter may reopen
    sweep_minutes: int = DEFAULTS["SLA_SWEEP_MINUTES"]

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        return cls(
            auto_close_days=max(0, int(config["AUTO_CLOSE_DAYS"])),
            reopen_days=max(0, int(config["REOPEN_DAYS"])),
            sweep_minutes=max(1, int(config["SLA_SWEEP_MINUTES"])),
        )


@dataclass
class Step:
    """What an effect function works with."""

    session: Session
    case: Case
    actor: object
    values: dict
    now: datetime
    policy: Policy
    # Run once the transition's event is written (events that follow it, in order).
    after: list[Callable[[], object]] = field(default_factory=list)


def _set_lead(step: Step, department: Department) -> None:
    """A (new) lead department, with a fresh SLA clock from the category."""
    step.case.department = department
    step.case.due_at = step.now + timedelta(hours=step.case.category.sla_hours)
    step.case.escalated = False


def _hand_to(step: Step, department: Department) -> None:
    """The person named in the request (checked against ``department``), or nobody: a case
    that changes department leaves its former assignee."""
    user_id = step.values["assignee"]
    person = None
    if user_id is not None:
        person = assignment.check_assignee(step.session, department.id, user_id)
    elif step.case.department_id == department.id:
        return  # same department, nobody named: whoever has it keeps it
    step.after.append(
        lambda: assignment.set_assignee(step.session, step.case, step.actor, person, now=step.now)
    )


def _accept(step: Step) -> dict:
    return {"note": step.values["note"]}


def _reject(step: Step) -> dict:
    step.case.closed_at = step.now
    return {"reason": step.values["reason"], "note": step.values["note"]}


def _assign(step: Step) -> dict:
    code = step.values["department"]
    case = step.case
    department = (
        cohandling.active_department(step.session, code) if code else case.category.department
    )
    _hand_to(step, department)
    _set_lead(step, department)
    return {"department": department, "note": step.values["note"]}


def _transfer(step: Step) -> dict:
    case = step.case
    department = cohandling.active_department(step.session, step.values["department"])
    if department.id == case.department_id:
        raise ValidationFailed(
            "The case is already there.", fields={"department": ["Choose another department."]}
        )
    previous = case.department.code if case.department is not None else None
    _hand_to(step, department)
    _set_lead(step, department)
    return {
        "department": department,
        "reason": step.values["reason"],
        "note": step.values["note"],
        "details": {"from_department": previous},
    }


def _start(step: Step) -> dict:
    step.after.append(lambda: assignment.take_on(step.session, step.case, step.actor, step.now))
    return {"note": step.values["note"]}


def _resolve(step: Step) -> dict:
    case, values = step.case, step.values
    pending = cohandling.open_tasks(case)
    if pending and not values["override_open_tasks"]:
        names = ", ".join(task.department.name for task in pending)
        raise Conflict(
            f"Tasks are still open ({names}). Resolve with an override and a reason.",
            code="open_tasks",
            fields={"override_open_tasks": ["Needed while tasks are open."]},
        )
    if pending and values["reason"] is None:
        raise ValidationFailed(
            "Say why you resolve with open tasks.", fields={"reason": ["Needed to override."]}
        )
    case.resolved_at = step.now
    case.escalated = False
    details = {}
    if pending:
        # The override's reason is for the staff unless the clerk chose to publish it.
        details = {
            "overridden_tasks": [task.id for task in pending],
            "reason_public": values["publish_reason"],
        }
    return {"note": values["note"], "reason": values["reason"], "details": details}


def _confirm(step: Step) -> dict:
    step.case.closed_at = step.now
    return {"note": step.values["note"]}


def _close(step: Step) -> dict:
    step.case.closed_at = step.now
    return {"note": step.values["note"]}


def _reopen(step: Step) -> dict:
    case = step.case
    window = timedelta(days=step.policy.reopen_days)
    if case.resolved_at is not None and step.now - case.resolved_at > window:
        raise Conflict(
            f"Cases can be reopened up to {step.policy.reopen_days} days after the fix.",
            code="reopen_window_closed",
        )
    case.resolved_at = None
    case.closed_at = None
    case.reopen_count += 1
    _set_lead(step, case.department or case.category.department)
    return {"reason": step.values["reason"], "note": step.values["note"]}


def _merge(step: Step) -> dict:
    case = step.case
    target = _merge_target(step)
    engagement.move_supporters(step.session, case, target)
    case.merged_into_id = target.id
    case.closed_at = step.now
    case.escalated = False
    record_event(
        step.session, target, step.actor, "merge_in", now=step.now, details={"case_id": case.id}
    )
    return {"note": step.values["note"], "details": {"merge_into": target.id}}


def _merge_target(step: Step) -> Case:
    target_id = step.values["merge_into"]
    target = step.session.get(Case, target_id) if id_in_range(target_id) else None
    problem = None
    if target is None or not can_view_case(step.actor, target):
        problem = "No such case."
    elif target.id == step.case.id:
        problem = "A case cannot be merged into itself."
    elif target.status not in OPEN_STATUSES:
        problem = "Merge into an open case."
    if problem:
        raise ValidationFailed(problem, fields={"merge_into": [problem]})
    return target


EFFECTS: dict[str, Callable[[Step], dict]] = {
    "accept": _accept,
    "reject": _reject,
    "merge": _merge,
    "assign": _assign,
    "transfer": _transfer,
    "start": _start,
    "resolve": _resolve,
    "confirm": _confirm,
    "reopen": _reopen,
    "close": _close,
}
