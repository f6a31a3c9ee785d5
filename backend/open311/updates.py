"""FixMyStreet's ``POST servicerequestupdates``: a trusted back-office tells CityLoop what
happened to a request (wiki "Open311 FMS - Complete Spec"; mySociety's open311-adapter).

An update becomes a case event through the cases service, so the transition table's rules
(which state may follow which, what each step needs), the effects and the live events are
the ones staff get: a status that moves the case is a transition by the system, for the
client; a status the case already has (or ``OPEN`` on an open case) is a public reply. A
retried post (same ``update_id`` from the same key) answers the first event and moves
nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from backend.auth.models import ApiKey
from backend.cases import service as cases
from backend.cases.models import FINAL_STATUSES, Case, CaseEvent, Status
from backend.cases.transitions import TRANSITIONS
from backend.errors import DomainError
from backend.open311.models import Open311Update
from backend.open311.params import moment
from backend.open311.service import DESCRIPTION_LIMIT, Open311Error, _describe, visible_case

# FixMyStreet's extended states (upper case when posted) and the CityLoop step each means.
ACTIONS = {
    "INVESTIGATING": "accept",
    "ACTION_SCHEDULED": "assign",
    "IN_PROGRESS": "start",
    "FIXED": "resolve",
    "CLOSED": "close",
    "NO_FURTHER_ACTION": "reject",
    "NOT_COUNCILS_RESPONSIBILITY": "reject",
    "REOPEN": "reopen",
}
NOTE_ONLY = ("OPEN",)  # no step: what the back-office says, on the case as a reply
UNSUPPORTED = {  # the other FMS states: what a client should do instead
    "DUPLICATE": "merging needs the request it duplicates: merge it in CityLoop.",
    "INTERNAL_REFERRAL": "pass it to another department in CityLoop (transfer).",
    "FOR_TRIAGE": "a request waiting for triage is a submitted one; post OPEN.",
}
REQUIRED = ("service_request_id", "update_id", "status", "updated_datetime", "description")


def update_form(form: MultiDict) -> dict:
    """The posted fields, checked: every required one present, a known status, a W3C time."""
    data = {key: (form.get(key) or "").strip() for key in (*REQUIRED, "media_url")}
    missing = [key for key in REQUIRED if not data[key] and key != "description"]
    if missing or "description" not in form:
        raise Open311Error(400, f"{', '.join(missing or ['description'])}: required.")
    if len(data["update_id"]) > 64:
        raise Open311Error(400, "update_id: at most 64 characters.")
    if len(data["description"]) > DESCRIPTION_LIMIT:
        raise Open311Error(400, f"description: at most {DESCRIPTION_LIMIT} characters.")
    status = data["status"].upper()
    if status in UNSUPPORTED:
        raise Open311Error(400, f"status {status}: not taken from a client; {UNSUPPORTED[status]}")
    if status not in ACTIONS and status not in NOTE_ONLY:
        known = ", ".join((*NOTE_ONLY, *ACTIONS))
        raise Open311Error(400, f"status: one of {known}.")
    data["status"] = status
    data["updated_datetime"] = moment(form, "updated_datetime")
    return data


def post_update(session: Session, key: ApiKey, form: MultiDict) -> CaseEvent:
    """Apply one update for a trusted key; a repeated ``update_id`` returns its event."""
    if not key.trusted:
        raise Open311Error(403, "api_key: not trusted to post updates (an admin decides).")
    data = update_form(form)
    case = visible_case(session, data["service_request_id"])
    earlier = session.scalar(
        select(Open311Update).where(
            Open311Update.api_key_id == key.id, Open311Update.update_id == data["update_id"]
        )
    )
    if earlier is not None:
        if earlier.case_id != case.id:
            raise Open311Error(400, "update_id: already used for another request.")
        return session.get(CaseEvent, earlier.event_id)
    event = _apply(session, case, key, data)
    session.add(
        Open311Update(
            api_key_id=key.id, update_id=data["update_id"], case_id=case.id, event_id=event.id
        )
    )
    session.flush()
    return event


def _apply(session: Session, case: Case, key: ApiKey, data: dict) -> CaseEvent:
    details = {
        "client": key.name,
        "update_id": data["update_id"],
        "updated_datetime": data["updated_datetime"].isoformat(),
    }
    if data["media_url"]:
        details["media_url"] = data["media_url"][:1000]
    action = ACTIONS.get(data["status"])
    try:
        if action is None or _already(case, action):
            return cases.record_external_note(
                session, case, data["description"], details={"open311": details}
            )
        text = data["description"] or None
        field = "reason" if "reason" in TRANSITIONS[action].requires else "note"
        event = cases.system_transition(session, case, action, {field: text})
    except DomainError as exc:
        raise Open311Error(400, f"status {data['status']}: {_describe(exc)}") from None
    event.details = {**(event.details or {}), "open311": details}
    return event


def _already(case: Case, action: str) -> bool:
    """The case is where the step would take it (a second FIXED, OPEN on an open case)."""
    target = TRANSITIONS[action].target
    if action == "reopen":
        return case.status not in FINAL_STATUSES and case.status != Status.RESOLVED
    return case.status == target
