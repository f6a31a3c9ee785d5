"""Cases as comment targets, on the rules the cases domain publishes in its service.

Public replies count towards ``case.comments_count``; internal notes are written and read
by the staff handling the case (``is_case_handler``) and go to ``case:<id>:internal``.
Until ``backend/cases/service.py`` offers these functions, cases take no comments (404).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from sqlalchemy.orm import Session

from backend.comments.targets import register_target

log = logging.getLogger(__name__)
NEEDED = (
    "get_case",
    "can_view_case",
    "can_comment",
    "is_case_handler",
    "record_comment_event",
    "adjust_comments_count",
)


def _cases_service():
    if importlib.util.find_spec("backend.cases") is None:
        return None
    if importlib.util.find_spec("backend.cases.service") is None:
        return None
    module = importlib.import_module("backend.cases.service")
    missing = [name for name in NEEDED if not hasattr(module, name)]
    if missing:
        log.warning("cases take no comments yet: backend.cases.service lacks %s", missing)
        return None
    return module


def register(cases) -> None:
    """Register "case" with ``cases`` (the cases service module) answering the questions."""

    def on_comment(session: Session, case, comment, actor) -> None:
        cases.record_comment_event(
            session, case, actor, internal=comment.internal, comment_id=comment.id
        )
        if not comment.internal:
            cases.adjust_comments_count(session, case, 1)

    register_target(
        "case",
        load=cases.get_case,
        can_view=cases.can_view_case,
        can_comment=cases.can_comment,
        can_write_internal=cases.is_case_handler,
        on_comment=on_comment,
        count_changed=cases.adjust_comments_count,
    )


_service = _cases_service()
if _service is not None:
    register(_service)
