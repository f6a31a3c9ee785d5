"""Incidents in the PWA against the real server: the declare form, the command view's actions
(link a case by reference and from the offered ones, notes public and internal, a task done,
an alert, the close), two desks seeing their tasks arrive live, the resident's public view
(never an internal note), emergency mode on the report screen, and axe on the new screens.
Each action is checked in what the server stored, not only on the screen."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICE_POSITION, PHONE
from tests.browser.flows import (
    api_in,
    file_case,
    make_account,
    sign_in,
    sign_up,
    unique,
    wait_for_screen,
)
from tests.browser.support import CENTRE, STAFF_EMAIL, STATIC
from tests.browser.test_a11y import axe_violations
from tests.browser.test_dashboard_budget import _fetched

pytestmark = pytest.mark.browser

# Small areas around the map centre, so that no incident here reaches the device position
# (~1.2 km away) that the emergency-mode test uses.
NEAR = {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 400}


def declare(server, **fields) -> dict:
    body = {
        "title": unique("Burst water main"),
        "severity": "severe",
        "area": NEAR,
        "lead_department": "roads",
        "departments": ["lighting"],
        "categories": ["pothole"],
        "notice": "Water on the road: keep to the pavement.",
    } | fields
    return server.staff.ok("POST", "/incidents", expect=201, json=body)


def close(server, incident: dict) -> None:
    """Leave no active incident behind for the other tests' report screens, and no alert
    (its banner would sit above every screen of the other tests)."""
    found = server.admin.ok("GET", f"/incidents/{incident['id']}")
    if found["status"] == "active":
        server.admin.ok("POST", f"/incidents/{incident['id']}/close", json={"summary": "Done."})
    active = {a["id"] for a in server.admin.ok("GET", "/alerts")["items"]}
    for alert in found["alerts"]:
        if alert["id"] in active:
            cancel = {"msg_type": "Cancel", "references": alert["id"]}
            server.admin.ok("POST", "/alerts", expect=201, json=cancel)


def assert_clean(page, where: str) -> None:
    found = axe_violations(page)
    assert not found, f"axe found on {where}:\n" + "\n".join(
        f"- {v['impact']} {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"]) for v in found
    )


def test_a_head_declares_an_incident_with_the_form(make_context, server):
    staff = make_context()
    sign_in(staff, STAFF_EMAIL)
    page = staff.new_page()
    page.goto("/incidents")
    wait_for_screen(page)
    assert_clean(page, "/incidents")
    page.get_by_test_id("declare-incident").click()
    page.wait_for_url("**/incidents/new")
    expect(page.locator("[data-testid=declare-map].leaflet-container")).to_be_visible()
    assert_clean(page, "/incidents/new")

    # Sending without an area says what is missing, and nothing is stored.
    title = unique("Flooded underpass")
    page.get_by_test_id("incident-title").fill(title)
    page.get_by_test_id("declare-submit").click()
    expect(page.locator("[data-field=area] .field-error")).to_be_visible()

    page.get_by_test_id("declare-map").click()  # its centre: the city's map centre
    expect(page.get_by_test_id("area-status")).not_to_have_class(re.compile("missing"))
    page.get_by_test_id("incident-radius").fill("300")
    page.get_by_test_id("incident-severity").select_option("extreme")
    page.get_by_test_id("incident-lead").select_option("roads")
    page.get_by_test_id("incident-dept-lighting").check()
    page.get_by_test_id("incident-cat-pothole").check()
    page.get_by_test_id("incident-cat-streetlight").check()
    page.get_by_test_id("incident-notice").fill("Underpass flooded: take the bridge.")
    assert_clean(page, "/incidents/new, filled in")
    page.get_by_test_id("declare-submit").click()
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    expect(page.locator("h1")).to_have_text(title)

    incident_id = int(page.url.rsplit("/", 1)[1])
    stored = server.admin.ok("GET", f"/incidents/{incident_id}")
    try:
        assert (stored["title"], stored["severity"], stored["status"]) == (
            title,
            "extreme",
            "active",
        )
        assert stored["area"]["radius_m"] == 300
        assert abs(stored["area"]["lat"] - CENTRE[0]) < 0.002
        assert abs(stored["area"]["lon"] - CENTRE[1]) < 0.002
        assert stored["lead_department"]["code"] == "roads"
        assert {d["code"] for d in stored["departments"]} == {"roads", "lighting"}
        assert sorted(stored["categories"]) == ["pothole", "streetlight"]
        assert stored["notice"] == "Underpass flooded: take the bridge."
        assert {t["department"]["code"]: t["status"] for t in stored["tasks"]} == {
            "roads": "open",
            "lighting": "open",
        }
    finally:
        close(server, stored)


def test_the_command_view_links_notes_marks_done_alerts_changes_and_closes(make_context, server):
    incident = declare(server)
    try:
        _drive_the_command_view(make_context, server, incident)
    finally:
        close(server, incident)


def _drive_the_command_view(make_context, server, incident):
    path = f"/incidents/{incident['id']}"
    by_reference = file_case(server, category="streetlight")  # a case of the other department
    resident = make_context()
    sign_up(resident)
    public = resident.new_page()
    public.goto(path)
    expect(public.locator("[data-testid=incident-live][data-joined]")).to_be_attached()
    expect(public.get_by_test_id("note-form")).to_have_count(0)
    expect(public.get_by_test_id("link-form")).to_have_count(0)
    expect(public.get_by_test_id("close-details")).to_have_count(0)

    staff = make_context()
    sign_in(staff, STAFF_EMAIL)
    page = staff.new_page()
    page.goto(path)
    expect(page.locator("[data-testid=incident-live][data-joined]")).to_be_attached()
    assert_clean(page, f"{path} (staff)")

    # A case by its reference.
    page.get_by_test_id("link-case-input").fill(by_reference["reference"])
    page.get_by_test_id("link-case").click()
    expect(page.get_by_test_id("incident-case-list").get_by_test_id("case-card")).to_have_count(1)

    # A report filed inside the area, in its categories, is offered live; one click links it.
    offered = file_case(server, lat=CENTRE[0] + 0.001, lon=CENTRE[1])
    expect(
        page.get_by_test_id("offered-case").filter(has_text=offered["reference"])
    ).to_be_visible()
    page.get_by_test_id(f"link-offered-{offered['id']}").click()
    expect(page.get_by_test_id("incident-case-list").get_by_test_id("case-card")).to_have_count(2)

    internal = unique("Crew B is on its way, road closed at 14:00")
    public_note = unique("The road reopens tonight")
    page.get_by_test_id("note-body").fill(internal)
    page.get_by_test_id("note-send").click()  # internal is the default
    expect(
        page.locator("[data-testid=incident-event][data-internal=true]", has_text=internal)
    ).to_be_visible()
    page.get_by_test_id("note-public").check()
    page.get_by_test_id("note-body").fill(public_note)
    page.get_by_test_id("note-send").click()
    expect(page.get_by_test_id("incident-event").filter(has_text=public_note)).to_be_visible()

    page.get_by_test_id("task-note-roads").fill("Road closed and pumped.")
    page.get_by_test_id("task-done-roads").click()
    expect(page.locator("[data-testid=incident-task][data-department=roads]")).to_have_attribute(
        "data-status", "done"
    )

    page.get_by_test_id("alert-details").locator("summary").click()
    expect(page.get_by_test_id("alert-title")).to_have_value(incident["title"])
    page.get_by_test_id("alert-send").click()
    expect(page.get_by_test_id("incident-alert")).to_have_count(1)

    page.get_by_test_id("edit-details").locator("summary").click()
    page.get_by_test_id("edit-severity").select_option("extreme")
    page.get_by_test_id("edit-dept-sanitation").check()
    page.get_by_test_id("edit-submit").click()
    expect(page.locator("[data-testid=incident-task][data-department=sanitation]")).to_be_visible()
    expect(page.get_by_test_id("incident-head").get_by_test_id("severity")).to_have_attribute(
        "data-severity", "extreme"
    )

    page.get_by_test_id("close-details").locator("summary").click()
    summary = "Main repaired; two potholes filled; all clear at 22:00."
    page.get_by_test_id("close-summary").fill(summary)
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("incident-status")).to_have_attribute("data-status", "closed")
    expect(page.get_by_test_id("incident-summary")).to_contain_text(summary)

    stored = server.admin.ok("GET", f"/incidents/{incident['id']}")
    assert {c["id"] for c in stored["cases"]} == {by_reference["id"], offered["id"]}
    assert {c["department"]["code"] for c in stored["cases"]} == {"lighting", "roads"}
    notes = {e["body"]: e["internal"] for e in stored["timeline"] if e["type"] == "note"}
    assert notes == {internal: True, public_note: False}
    tasks = {t["department"]["code"]: t for t in stored["tasks"]}
    assert (tasks["roads"]["status"], tasks["roads"]["done_note"]) == (
        "done",
        "Road closed and pumped.",
    )
    assert tasks["lighting"]["status"] == tasks["sanitation"]["status"] == "open"
    assert stored["severity"] == "extreme"
    [alert] = stored["alerts"]
    assert alert["title"] == incident["title"]
    assert alert["area"]["radius_m"] == NEAR["radius_m"]
    assert (stored["status"], stored["summary"]) == ("closed", summary)

    # The resident's page followed live: the public note, the close; never the internal note.
    expect(public.get_by_test_id("incident-event").filter(has_text=public_note)).to_be_visible()
    expect(public.get_by_test_id("incident-status")).to_have_attribute("data-status", "closed")
    assert internal not in public.content()
    public.reload()
    wait_for_screen(public)
    expect(public.get_by_test_id("incident-event").filter(has_text=public_note)).to_be_visible()
    assert internal not in public.content()
    assert_clean(public, f"{path} (resident)")
    public.get_by_test_id("flag-incident").click()
    public.locator("dialog input[type=radio]").first.check()
    public.get_by_test_id("flag-send").click()
    expect(public.get_by_test_id("flag-thanks")).to_be_visible()
    flagged = server.admin.ok("GET", f"/moderation/items/incident/{incident['id']}")
    assert (flagged["kind"], flagged["hidden"]) == ("flagged", False)  # queued, never auto-hidden
    seen = api_in(resident, "GET", f"/incidents/{incident['id']}")
    assert internal not in str(seen) and "offered_cases" not in seen

    visitor = make_context().new_page()  # signed out
    visitor.goto(path)
    expect(visitor.get_by_test_id("incident-event").filter(has_text=public_note)).to_be_visible()
    expect(visitor.get_by_test_id("incident-summary")).to_contain_text(summary)
    assert internal not in visitor.content()
    expect(visitor.get_by_test_id("note-form")).to_have_count(0)


def test_two_desks_see_their_incident_tasks_arrive_live(make_context, server):
    desks = {}
    for code in ("lighting", "sanitation"):
        context = make_context()
        sign_in(context, make_account(server, "staff", (code,)))
        page = context.new_page()
        page.goto("/staff")
        wait_for_screen(page)
        expect(page.locator('[data-testid="inbox-live"].connected')).to_be_visible()
        desks[code] = (context, page)

    incident = declare(server, departments=["lighting", "sanitation"], categories=[])
    try:
        for code, (_, page) in desks.items():
            task = page.locator(
                f"[data-testid=inbox-incident-task][data-incident-id='{incident['id']}']"
            )
            expect(task).to_have_attribute("data-department", code)
            expect(task).to_contain_text(incident["title"])
        context, page = desks["lighting"]
        api_in(context, "POST", f"/incidents/{incident['id']}/tasks/lighting/done", {})
        gone = f"[data-testid=inbox-incident-task][data-incident-id='{incident['id']}']"
        expect(page.locator(gone)).to_have_count(0)
        expect(desks["sanitation"][1].locator(gone)).to_have_count(1)
        stored = server.admin.ok("GET", f"/incidents/{incident['id']}")
        assert {t["department"]["code"]: t["status"] for t in stored["tasks"]} == {
            "roads": "open", "lighting": "done", "sanitation": "open",
        }  # fmt: skip
    finally:
        close(server, incident)


def test_emergency_mode_shows_the_notice_and_puts_the_incident_categories_first(
    make_context, server
):
    context = make_context()
    sign_up(context)
    page = context.new_page()
    page.goto("/report")
    wait_for_screen(page)
    options = page.get_by_test_id("category-list").locator("input[type=radio]")
    expect(options.first).to_be_attached()
    codes = [code.removeprefix("category-") for code in options.evaluate_all(
        "(inputs) => inputs.map((i) => i.dataset.testid)")]  # fmt: skip
    last = codes[-1]  # the incident asks for the category listed last so far

    here = {"lat": DEVICE_POSITION["latitude"], "lon": DEVICE_POSITION["longitude"]}
    notice = unique("Chemical spill: do not touch the drums, call 119")
    incident = declare(
        server, area={**here, "radius_m": 300}, categories=[last], notice=notice,
        departments=["sanitation"],
    )  # fmt: skip
    elsewhere = declare(server, notice=unique("Not here"), categories=[codes[1]])
    try:
        page.get_by_test_id("use-my-location").click()
        expect(page.get_by_test_id("incident-notice")).to_have_count(1)
        expect(page.get_by_test_id("incident-notice")).to_contain_text(notice)
        expect(page.get_by_test_id("incident-notice")).to_contain_text(incident["title"])
        expect(options.first).to_have_attribute("data-testid", f"category-{last}")
        first = page.get_by_test_id("category-list").locator("li").first
        expect(first.get_by_test_id("incident-category")).to_be_visible()
        later = [c.removeprefix("category-") for c in options.evaluate_all(
            "(inputs) => inputs.map((i) => i.dataset.testid)")]  # fmt: skip
        assert later == [last, *codes[:-1]]
        page.get_by_test_id(f"category-{last}").check(force=True)
        expect(page.get_by_test_id("category-incident-notice")).to_contain_text(notice)
        assert_clean(page, "/report in emergency mode")
        assert elsewhere["notice"] not in page.content()
    finally:
        close(server, incident)
        close(server, elsewhere)


INCIDENT_BUDGET = 25 * 1024  # compressed, added to what the home screen loads (12 KB now)


def test_the_incident_screens_load_only_on_their_routes(browser, server):
    chunks = json.loads((STATIC / "build-manifest.json").read_text())["chunks"]
    screens = {chunks["pwa/src/screens/incident.js"], chunks["pwa/src/screens/incidents.js"]}
    incident = declare(server)
    context = browser.new_context(**PHONE, base_url=server.url, service_workers="block")
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_screen(page)
        page.wait_for_load_state("networkidle")
        home = _fetched(page)
        assert not screens & set(home), "the home screen loads no incident screen"
        page.goto("/report")
        wait_for_screen(page)
        page.wait_for_load_state("networkidle")
        assert not screens & set(_fetched(page))
        page.goto(f"/incidents/{incident['id']}")
        wait_for_screen(page)
        expect(page.get_by_test_id("incident-tasks")).to_be_visible()
        page.wait_for_load_state("networkidle")
        fetched = _fetched(page)
    finally:
        context.close()
        close(server, incident)
    assert chunks["pwa/src/screens/incident.js"] in fetched
    added = {path: size for path, size in fetched.items() if path not in home}
    print(f"the incident view adds {sum(added.values())} bytes compressed: {added}")
    assert sum(added.values()) <= INCIDENT_BUDGET, added
