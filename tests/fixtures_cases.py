"""Case factories: a small city (`city`) and `make_case(status=...)`, which files a case and
walks it through the real transitions to the status asked for, so its events are real;
`varied_cases`, a page's worth of cases with everything a case can carry."""

from __future__ import annotations

import itertools
from datetime import datetime
from types import SimpleNamespace

import pytest

from backend.cases import engagement, service
from backend.cases.models import Case, CasePhoto, CaseRating, CaseTask, Status
from backend.extensions import db
from backend.media.storage import media_storage

# The actions that lead from a new case to each status (merge needs a target: see below).
PATHS: dict[str, list[str]] = {
    Status.SUBMITTED: [],
    Status.ACCEPTED: ["accept"],
    Status.ASSIGNED: ["accept", "assign"],
    Status.IN_PROGRESS: ["accept", "assign", "start"],
    Status.RESOLVED: ["accept", "assign", "start", "resolve"],
    Status.CLOSED: ["accept", "assign", "start", "resolve", "close"],
    Status.REJECTED: ["reject"],
    Status.MERGED: ["merge"],
}
CENTRE = (31.2304, 121.4737)
VARIED_CASES = 44
VARIED_STATUSES = ("submitted", "accepted", "assigned", "in_progress", "resolved", "closed")
# Two clusters, so that a bounding box holds about half of the varied cases.
WEST, EAST = (CENTRE[0], CENTRE[1] - 0.05), (CENTRE[0], CENTRE[1] + 0.05)


@pytest.fixture
def city(make_user, make_department, make_category):
    """Two departments, a category of each, and one person of every kind."""
    roads = make_department("roads", name="Roads")
    water = make_department("water", name="Water")
    size = {
        "code": "size",
        "datatype": "singlevaluelist",
        "required": False,
        "description": "How big?",
        "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
    }
    pothole = make_category("pothole", department=roads, sla_hours=48, attributes=[size])
    leak = make_category("leak", department=water, sla_hours=8, name="Water leak")
    return SimpleNamespace(
        roads=roads,
        water=water,
        pothole=pothole,
        leak=leak,
        reporter=make_user("resident", display_name="Rita Reporter", phone="+86 21 5555 0101"),
        resident=make_user("resident", display_name="Other Resident"),
        volunteer=make_user("volunteer", display_name="Vic Volunteer"),
        staff=make_user("staff", departments=["roads"], display_name="Sam Roads"),
        water_staff=make_user("staff", departments=["water"], display_name="Wang Water"),
        admin=make_user("admin", display_name="Ada Admin"),
    )


def _step_data(action: str, target: Case | None) -> dict:
    data = {"action": action}
    if action in ("reject", "transfer", "reopen"):
        data["reason"] = f"reason to {action}"
    if action == "resolve":
        data["note"] = "Fixed it."
    if action == "merge":
        data["merge_into"] = target.id
    return data


@pytest.fixture
def make_case(app, city):
    """``make_case(status, **fields)``: a case filed by ``city.reporter`` (or ``reporter=``)
    in ``city.pothole`` (or ``category=``), walked to ``status`` by an admin."""

    def factory(
        status: str = Status.SUBMITTED,
        *,
        reporter=None,
        category=None,
        now: datetime | None = None,
        **fields,
    ) -> Case:
        data = {
            "category": (category or city.pothole).code,
            "lat": fields.pop("lat", CENTRE[0]),
            "lon": fields.pop("lon", CENTRE[1]),
            "description": fields.pop("description", "A deep pothole by the bus stop."),
            **fields,
        }
        case = service.create_case(db.session, reporter or city.reporter, data, now=now)
        target = None
        if status == Status.MERGED:
            target = service.create_case(db.session, city.resident, dict(data), now=now)
        for action in PATHS[status]:
            service.transition(db.session, case, city.admin, _step_data(action, target), now=now)
        db.session.commit()
        return case

    return factory


@pytest.fixture
def storage(app):
    return media_storage(app.config["DATA_DIR"])


@pytest.fixture
def varied_cases(city, make_case, make_user, make_department, make_category):
    """``VARIED_CASES`` cases over three departments' categories, every status of the walk,
    several reporters (some anonymous), photos, assignees, tasks, ratings, support (by
    ``city.resident``) and follows (by ``city.staff``): what an N+1 or a dump would trip on."""
    parks = make_department("parks", name="Parks")
    bench = make_category("bench", department=parks, name="Broken bench")
    categories = itertools.cycle([city.pothole, city.leak, bench])
    reporters = itertools.cycle([city.reporter, make_user(), make_user(), city.resident])
    cases = []
    for n in range(VARIED_CASES):
        lat, lon = WEST if n % 2 else EAST
        case = make_case(
            VARIED_STATUSES[n % len(VARIED_STATUSES)],
            category=next(categories),
            reporter=next(reporters),
            lat=lat + n * 1e-4,
            lon=lon,
            anonymous=n % 5 == 0,
            title=f"Case {n}",
        )
        cases.append(case)
    for n, case in enumerate(cases):
        for k in range(1 + n % 3):
            db.session.add(
                CasePhoto(
                    case_id=case.id,
                    key=f"p{n}-{k}.jpg",
                    thumb_key=f"p{n}-{k}-t.jpg",
                    width=640,
                    height=480,
                )
            )
        if case.status in ("assigned", "in_progress"):
            case.assignee_id = city.staff.id if case.category is city.pothole else None
        if case.status in ("accepted", "assigned", "in_progress") and n % 2:
            db.session.add(
                CaseTask(
                    case_id=case.id, department_id=city.water.id, requested_by_id=city.admin.id
                )
            )
        if case.status == "closed":
            db.session.add(CaseRating(case_id=case.id, user_id=case.reporter_id, score=4))
        if case.status in ("submitted", "accepted") and case.reporter_id != city.resident.id:
            engagement.support(db.session, case, city.resident)
        if n % 3 == 0:
            engagement.add_follower(db.session, case, city.staff.id)
    db.session.commit()
    return cases
