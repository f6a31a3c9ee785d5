"""Finding a case and deciding who may see and handle it (HTTP, sockets, comments ask here).

The rules read a case's few columns (:class:`~backend.cases.models.CaseFacts`): a loaded
case, the plain row of the hot reads, or a :class:`CaseAccess` where only they are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import shown_by_name
from backend.auth.permissions import Permission, has_permission, is_authenticated, is_staff
from backend.cases.models import Case, CaseFacts, CaseTask, person_on_case
from backend.cases.transitions import lead_handler, reporter
from backend.errors import NotFound
from backend.ids import id_in_range

ID_MIN = 100_000_000  # case numbers are nine or ten digits, below ID_MAX


def get_case(session: Session, case_id: int) -> Case:
    """The case, or :class:`NotFound`. Does not check visibility: see :func:`case_for`."""
    case = session.get(Case, case_id, options=_one_case()) if id_in_range(case_id) else None
    if case is None:
        raise NotFound("No such case.")
    return case


def _one_case() -> list:
    """The people on a case show by name: their memberships (a query each) stay unloaded."""
    tasks = (Case.tasks, CaseTask.requested_by), (Case.tasks, CaseTask.done_by)
    return shown_by_name(Case.reporter, Case.assignee, *tasks)


@dataclass
class CaseAccess:
    """What the rules below read of a case, without its relations (reporter, category,
    department, photos, rating): one small query where nothing else is needed, such as
    joining its live room. Its co-handling tasks are read only if a rule asks for them."""

    id: int
    hidden: bool
    reporter_id: int | None
    department_id: int | None
    session: Session = field(repr=False)

    @cached_property
    def tasks(self) -> list:
        """Rows with the ``department_id`` of each co-handling task (:func:`is_case_handler`)."""
        stmt = select(CaseTask.department_id).where(CaseTask.case_id == self.id)
        return list(self.session.execute(stmt))


def case_access(session: Session, case_id: int) -> CaseAccess:
    """The case's :class:`CaseAccess`, or :class:`NotFound` (no visibility check)."""
    columns = (Case.id, Case.hidden, Case.reporter_id, Case.department_id)
    row = session.execute(select(*columns).where(Case.id == case_id)).one_or_none()
    if row is None:
        raise NotFound("No such case.")
    return CaseAccess(*row, session=session)


def can_view_case(user, case: CaseFacts | CaseAccess) -> bool:
    """Cases are public, unless moderation hid them: then the reporter, staff and
    volunteers still see them."""
    if not case.hidden:
        return True
    if not is_authenticated(user):
        return False
    return (
        case.reporter_id == user.id or is_staff(user) or has_permission(user, Permission.MODERATE)
    )


def can_comment(user, case: CaseFacts) -> bool:
    """Public replies: on a case one sees, unless moderation hid it (the comments service
    also asks that the person may post at all)."""
    return can_view_case(user, case) and not case.hidden


def shows_person(case: Case, person, viewer):
    """How ``person`` shows to ``viewer`` on ``case`` (see :func:`person_on_case`): staff
    see who an anonymous reporter is, everyone else "anonymous"."""
    return person_on_case(case, person, staff=is_staff(viewer))


def case_for(session: Session, case_id: int, user) -> Case:
    """The case if ``user`` may see it; a 404 otherwise (hidden cases do not leak)."""
    case = get_case(session, case_id)
    if not can_view_case(user, case):
        raise NotFound("No such case.")
    return case


def is_case_handler(user, case: CaseFacts | CaseAccess) -> bool:
    """Staff of the lead department or of a co-handling one, or an admin: they see internal
    notes and the tasks."""
    if lead_handler(user, case):
        return True
    return is_staff(user) and any(t.department_id in user.department_ids for t in case.tasks)


def is_reporter(user, case: CaseFacts) -> bool:
    return reporter(user, case)
