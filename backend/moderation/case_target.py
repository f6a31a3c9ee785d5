"""Cases as flaggable, hideable content.

Moderation sets ``Case.hidden`` (and ``Case.hidden_reason`` when the model has it); the
cases domain keeps hidden cases out of its public lists and payloads.
"""

from __future__ import annotations

import importlib
import importlib.util

from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, has_permission, is_staff
from backend.moderation.registry import register_moderated

EXCERPT = 280


def _module(name: str):
    if importlib.util.find_spec("backend.cases") is None:
        return None
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _describe(case) -> dict:
    return {
        "title": case.title,
        "text": (case.description or "")[:EXCERPT],
        "author": case.public_reporter.get("display_name"),
        "created_at": case.created_at,
        "on": None,
    }


def _make_can_see(cases_service):
    """The cases domain's own rule when it has one; else hidden cases are for moderators
    and staff only."""
    view = getattr(cases_service, "can_view_case", None) if cases_service else None

    def can_see(_session: Session, user, case) -> bool:
        if view is not None:
            return view(user, case)
        return not case.hidden or has_permission(user, Permission.MODERATE) or is_staff(user)

    return can_see


def register() -> None:
    models = _module("backend.cases.models")
    case_model = getattr(models, "Case", None) if models else None
    if case_model is None or not hasattr(case_model, "hidden"):
        return
    register_moderated(
        "case",
        model=case_model,
        can_see=_make_can_see(_module("backend.cases.service")),
        author_id=lambda case: case.reporter_id,
        describe=_describe,
        is_new_content=lambda: case_model.id.isnot(None),
        author_column=lambda: case_model.reporter_id,
        **_visibility_hook(_module("backend.cases.broadcast")),
    )


def _visibility_hook(broadcast) -> dict:
    hook = getattr(broadcast, "visibility_changed", None) if broadcast else None
    return {"on_visibility": hook} if hook else {}


register()
