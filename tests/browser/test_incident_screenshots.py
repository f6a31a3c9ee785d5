"""Screenshots of an incident's command view and of the declare form, for docs/emergencies.md.

Written to ``docs/screenshots/`` only with ``CITYLOOP_SCREENSHOTS=1`` (see test_screenshots.py).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, sign_in, sign_up, wait_for_screen
from tests.browser.support import CENTRE, STAFF_EMAIL
from tests.browser.test_incidents import close
from tests.browser.test_screenshots import SHOTS
from tests.browser.test_staff_screenshots import shoot

pytestmark = pytest.mark.browser

AREA = {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 450}


def populate(server) -> dict:
    incident = server.staff.ok("POST", "/incidents", expect=201, json={
        "title": "Burst water main on Fuzhou Road",
        "severity": "severe",
        "area": AREA,
        "lead_department": "roads",
        "departments": ["lighting", "sanitation"],
        "categories": ["pothole", "streetlight"],
        "notice": "Water on the road between Henan and Jiangxi Road: keep to the pavement.",
    })  # fmt: skip
    path = f"/incidents/{incident['id']}"
    for n, (category, description) in enumerate([
        ("pothole", "Road surface lifted where the water came up"),
        ("streetlight", "Lamps dark along the flooded block"),
    ]):  # fmt: skip
        case = file_case(server, category=category, description=description,
                         lat=CENTRE[0] + (n - 0.5) * 0.002, lon=CENTRE[1] + 0.001)  # fmt: skip
        server.staff.ok("POST", f"{path}/cases", expect=201, json={"case_id": case["id"]})
    notes = [
        ("Crew B pumping since 14:10; the road is closed to traffic.", True),
        ("The road stays closed until the main is repaired, probably tonight.", False),
    ]
    for body, internal in notes:
        server.staff.ok(
            "POST", f"{path}/notes", expect=201, json={"body": body, "internal": internal}
        )
    server.staff.ok("POST", f"{path}/tasks/lighting/done", json={"note": "Temporary lights up."})
    expires = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    server.staff.ok("POST", "/alerts", expect=201, json={
        "title": "Burst water main on Fuzhou Road", "body": "Keep to the pavement.",
        "severity": "severe", "area": AREA, "expires_at": expires, "incident": incident["id"],
        "department": "roads",
    })  # fmt: skip
    return incident


def test_screenshots_of_the_incident_screens(make_context, server):
    directory = SHOTS if os.environ.get("CITYLOOP_SCREENSHOTS") == "1" else None
    staff = make_context(reduced_motion="reduce")
    sign_in(staff, STAFF_EMAIL)
    page = staff.new_page()
    # The form first: no alert banner yet above it.
    page.goto("/incidents/new")
    expect(page.locator("[data-testid=declare-map].leaflet-container")).to_be_visible()
    page.get_by_test_id("incident-title").fill("Storm: fallen trees in Huangpu")
    page.get_by_test_id("declare-map").click()
    page.get_by_test_id("incident-radius").fill("900")
    page.get_by_test_id("incident-dept-lighting").check()
    shoot(page, "incident-declare", directory, top=page.get_by_test_id("incident-severity"))

    incident = populate(server)
    try:
        page.goto(f"/incidents/{incident['id']}")
        wait_for_screen(page)
        expect(page.locator("[data-testid=incident-live][data-joined]")).to_be_attached()
        cards = page.get_by_test_id("incident-case-list").get_by_test_id("case-card")
        expect(cards).to_have_count(2)
        shoot(page, "incident-command", directory)
        shoot(page, "incident-timeline", directory, top=page.get_by_test_id("incident-timeline"))

        page.goto("/staff")
        wait_for_screen(page)
        expect(page.get_by_test_id("inbox-incident-task").first).to_be_visible()
        shoot(page, "incident-desk-task", directory)

        resident = make_context(reduced_motion="reduce")
        sign_up(resident)
        public = resident.new_page()
        public.goto(f"/incidents/{incident['id']}")
        wait_for_screen(public)
        expect(public.get_by_test_id("incident-event").first).to_be_visible()
        shoot(public, "incident-public", directory, top=public.get_by_test_id("incident-timeline"))
    finally:
        close(server, incident)
