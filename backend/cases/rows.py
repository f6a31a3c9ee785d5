"""Cases as plain rows, for the hot reads: the list (``GET /cases``) and the case page.

A page of cases is one Core statement (the case's columns, its category's, department's,
reporter's and rating's, joined as the ORM's eager loads joined them, and for staff its
assignee's), then one statement per list the page shows or the rules read, for all its
cases at once: the photos, and for staff the co-handling tasks. No ORM objects, no identity
map: each case is a :class:`CaseRow` whose attributes are named as on :class:`Case`, so the
permission rules (:class:`~backend.cases.models.CaseFacts`), the payload's derived values
(:class:`~backend.cases.models.CaseDisplay`) and the compiled dumps of the case schemas
read it as they read a loaded case. ``tests/foundation/test_case_rows.py`` checks that the
answers are the same, byte for byte, for every kind of viewer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache

from sqlalchemy import Select, Text, cast, select
from sqlalchemy.orm import Session, aliased

from backend.auth.models import User
from backend.auth.permissions import is_staff
from backend.cases.access import can_view_case
from backend.cases.models import Case, CaseDisplay, CasePhoto, CaseRating, CaseTask, media_url
from backend.departments.models import Category, Department
from backend.errors import NotFound
from backend.ids import id_in_range

# What a case payload never shows: the escalation ladder's bookkeeping; and, but to staff,
# where a report came from and the contact given with it.
_NEVER_SHOWN = ("escalated_at", "admins_alerted")
_STAFF_ONLY = ("source", *Case.CONTACT_COLUMNS)
_CASES = Case.__table__


def _case_columns(*skipped: str) -> tuple:
    return tuple(column for column in _CASES.columns if column.key not in skipped)


_PUBLIC_COLUMNS = _case_columns(*_NEVER_SHOWN, *_STAFF_ONLY)
_STAFF_COLUMNS = _case_columns(*_NEVER_SHOWN)
_REPORTER = aliased(User, name="reporter")
_ASSIGNEE = aliased(User, name="assignee")


def as_text(column):
    """A JSON column read as its text, for :class:`JsonTexts` to decode (labelled: two
    unlabelled casts in one row would be told apart by their SQL alone)."""
    return cast(column, Text).label(None)


class JsonTexts(dict):
    """The JSON texts of one page, each decoded once: the rows of a page share a few
    categories and departments, and decoding their names again for every row took a tenth
    of a list request. Rows share the decoded value; dumps copy it."""

    def __missing__(self, text: str):
        value = self[text] = json.loads(text)
        return value

    def decode(self, text: str | None):
        return None if text is None else self[text]


_CATEGORY = (Category.code, Category.name, as_text(Category.names), Category.department_id)
_DEPARTMENT = (Department.id, Department.code, Department.name, as_text(Department.names))
_RATING = (CaseRating.case_id, CaseRating.score, CaseRating.comment, CaseRating.created_at)
# A reporter shows by name; to staff, also by how to reach them.
_PUBLIC_REPORTER = (_REPORTER.id, _REPORTER.display_name)
_STAFF_REPORTER = (*_PUBLIC_REPORTER, _REPORTER.email, _REPORTER.phone)
_PHOTO = (
    *(CasePhoto.case_id, CasePhoto.id, CasePhoto.kind, CasePhoto.key, CasePhoto.thumb_key),
    *(CasePhoto.width, CasePhoto.height),
)
_TASK = (CaseTask.case_id, CaseTask.id, CaseTask.department_id, CaseTask.status)


class CaseRow(CaseDisplay):
    """A case's columns and what its payload shows of its relations, as plain attributes
    named as on :class:`Case`: ``category`` (a :class:`Ref`), ``department`` and
    ``assignee`` (dicts or None), ``reporter`` (a :class:`Person` or None), ``rating`` (a
    dict or None), ``photos`` (dicts), and for staff ``tasks`` (rows of ``id``,
    ``department_id`` and ``status``), then the ``viewer`` set by
    :func:`~backend.cases.viewer.attach_viewers`. What a viewer is not shown is not read,
    so not set."""

    def __init__(self, fields: dict):
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"<CaseRow {self.id} {self.status}>"


class Ref:
    """A category as a case payload names it, with the department whose staff use its
    response templates."""

    __slots__ = ("code", "department_id", "name", "names")

    def __init__(self, code: str, name: str, names: dict, department_id: int):
        self.code, self.name, self.names, self.department_id = code, name, names, department_id


class Person:
    """A reporter as a case payload shows them (``email`` and ``phone`` for staff only)."""

    __slots__ = ("display_name", "email", "id", "phone")

    def __init__(self, id: int, display_name: str, email=None, phone=None):
        self.id, self.display_name, self.email, self.phone = id, display_name, email, phone


def case_select(viewer) -> Select:
    """The statement reading cases as :func:`read_cases` reads them, for ``viewer``, without
    a filter or an order (the list adds them)."""
    return _case_select(is_staff(viewer))


# Built once per kind of viewer (statements are immutable): building it took a sixteenth of
# an uncached list request.
@cache
def _case_select(staff: bool) -> Select:
    columns = [
        *(_STAFF_COLUMNS if staff else _PUBLIC_COLUMNS),
        *_CATEGORY,
        *_DEPARTMENT,
        *(_STAFF_REPORTER if staff else _PUBLIC_REPORTER),
        *_RATING,
    ]
    if staff:
        columns += [_ASSIGNEE.id, _ASSIGNEE.display_name]
    stmt = (
        select(*columns)
        .join_from(Case, Category, Case.category_id == Category.id, isouter=True)
        .outerjoin(Department, Case.department_id == Department.id)
        .outerjoin(_REPORTER, Case.reporter_id == _REPORTER.id)
        .outerjoin(CaseRating, CaseRating.case_id == Case.id)
    )
    return stmt.outerjoin(_ASSIGNEE, Case.assignee_id == _ASSIGNEE.id) if staff else stmt


def read_cases(session: Session, viewer, stmt: Select) -> list[CaseRow]:
    """The cases ``stmt`` (a :func:`case_select`) finds, in its order, each with its photos
    and, for staff, its tasks: one statement more for each, whatever the number of cases."""
    staff = is_staff(viewer)
    keys = [c.key for c in (_STAFF_COLUMNS if staff else _PUBLIC_COLUMNS)]
    texts = JsonTexts()
    rows = [_row(values, keys, staff, texts) for values in session.execute(stmt)]
    if not rows:
        return rows
    ids = [row.id for row in rows]
    _set_lists(rows, "photos", session.execute(_photos(ids)), _photo)
    if staff:
        tasks = select(*_TASK).where(CaseTask.case_id.in_(ids)).order_by(CaseTask.id)
        _set_lists(rows, "tasks", session.execute(tasks), lambda task: task)
    return rows


def _set_lists(rows: list[CaseRow], name: str, related, make) -> None:
    """Set ``name`` on each row: the ``related`` rows of its case (by their ``case_id``), in
    their order, each made into what the row holds by ``make``."""
    by_case = defaultdict(list)
    for item in related:
        by_case[item.case_id].append(make(item))
    for row in rows:
        setattr(row, name, by_case.get(row.id, []))


def read_case(session: Session, viewer, case_id: int) -> CaseRow:
    """The case page's case if ``viewer`` may see it (:func:`can_view_case`); a 404
    otherwise, as :func:`~backend.cases.access.case_for` answers."""
    found = id_in_range(case_id) and read_cases(
        session, viewer, case_select(viewer).where(Case.id == case_id)
    )
    if not found or not can_view_case(viewer, found[0]):
        raise NotFound("No such case.")
    return found[0]


def _photos(ids: list[int]) -> Select:
    return select(*_PHOTO).where(CasePhoto.case_id.in_(ids)).order_by(CasePhoto.id)


def _photo(photo) -> dict:
    """A photo as ``PhotoSchema`` reads it (what :class:`CasePhoto` gives)."""
    return {
        "id": photo.id,
        "url": media_url(photo.key),
        "thumb_url": media_url(photo.thumb_key),
        "width": photo.width,
        "height": photo.height,
        "kind": photo.kind,
    }


def _row(values, keys: list[str], staff: bool, texts: JsonTexts) -> CaseRow:
    """One :class:`CaseRow` from a row of :func:`case_select`'s columns, in their order."""
    row = CaseRow(dict(zip(keys, values, strict=False)))
    rest = values[len(keys) :]
    code, name, names, category_department = rest[0:4]
    row.category = Ref(code, name, texts.decode(names), category_department)
    department_id, code, name, names = rest[4:8]
    row.department = (
        None
        if department_id is None
        else {"code": code, "name": name, "names": texts.decode(names)}
    )
    people = 4 if staff else 2
    reporter, rest = rest[8 : 8 + people], rest[8 + people :]
    row.reporter = None if reporter[0] is None else Person(*reporter)
    rated, score, comment, created_at = rest[0:4]
    row.rating = (
        None if rated is None else {"score": score, "comment": comment, "created_at": created_at}
    )
    if staff:
        assignee_id, display_name = rest[4:6]
        row.assignee = (
            None if assignee_id is None else {"id": assignee_id, "display_name": display_name}
        )
    return row
