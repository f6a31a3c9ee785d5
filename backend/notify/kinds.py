"""The kinds of notification, each with its default channel, and the channels."""

from __future__ import annotations

from dataclasses import dataclass

CHANNELS = ("live", "push", "email", "digest", "off")


@dataclass(frozen=True)
class Kind:
    name: str
    default: str
    description: str


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("case_update", "push", "A case you follow moved on."),
        Kind("case_reply", "live", "A public reply on a case you follow."),
        Kind("case_escalated", "push", "A case of your department is overdue."),
        Kind("recurring_problem", "push", "The same problem keeps being reported in one place."),
        Kind("case_urgent", "push", "An urgent case for your department."),
        Kind("case_new", "off", "A new case for your department."),
        Kind("case_cohandle", "push", "Your department is asked to co-handle a case."),
        Kind("proposal_answer", "push", "An official answer to a proposal you follow."),
        Kind("content_hidden", "live", "Moderators hid something you wrote."),
        Kind("incident", "push", "Your department takes part in an incident."),
        Kind("area_alert", "push", "An emergency alert for the area of your saved place."),
    )
}
