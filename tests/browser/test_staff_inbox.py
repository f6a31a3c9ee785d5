"""The department inbox and the case desk, live, against a resident watching in another browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import (
    api_in,
    make_account,
    mark_document,
    photo_with_gps,
    sign_in,
    sign_up,
    still_same_document,
    unique,
    wait_for_screen,
)
from tests.browser.support import CENTRE, STAFF_EMAIL

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def file_as(context, **fields) -> dict:
    body = {
        "category": "pothole",
        "lat": CENTRE[0],
        "lon": CENTRE[1],
        "description": unique("Pothole by the school gate"),
        "address": "Nanjing Road E 1",
    } | fields
    return api_in(context, "POST", "/cases", body, expect=201)


def open_inbox(page) -> None:
    page.goto("/staff")
    wait_for_screen(page)
    expect(page.get_by_test_id("inbox-count")).to_be_visible()
    # every department room joined: from now on nothing can be missed
    expect(page.locator('[data-testid="inbox-live"].connected')).to_be_visible()
    mark_document(page)


def test_a_resident_files_a_case_and_staff_work_it_to_resolved_live(make_context, server, tmp_path):
    template = unique("Scheduled")  # a rerun against the same server adds its own
    server.staff.ok(
        "POST",
        "/categories/pothole/templates",
        expect=201,
        json={"title": template, "body": "Thank you! A crew is scheduled for this week."},
    )
    resident = make_context()
    sign_up(resident, name="Rita Resident")
    staff = make_context(**DESK)
    sign_in(staff, STAFF_EMAIL)
    desk = staff.new_page()
    open_inbox(desk)

    case = file_as(resident)
    card = desk.locator(f'[data-testid="inbox-list"] a[data-case-id="{case["id"]}"]')
    expect(card).to_be_visible()  # arrived live
    expect(desk.get_by_test_id("announcer")).to_contain_text(str(case["id"]))

    watcher = resident.new_page()
    watcher.goto(f"/cases/{case['id']}")
    chip = watcher.get_by_test_id("case-summary").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "submitted")
    expect(watcher.locator(".live-dot.connected")).to_be_visible()
    mark_document(watcher)

    card.click()  # wide screen: the desk opens beside the list
    pane = desk.get_by_test_id("desk-pane")
    expect(pane.get_by_test_id("case-desk")).to_have_attribute("data-case-id", str(case["id"]))
    expect(desk).to_have_url(f"{server.url}/staff/cases/{case['id']}")
    expect(pane.locator(".live-dot.connected")).to_be_visible()

    pane.get_by_test_id("act-accept").click()
    expect(chip).to_have_attribute("data-status", "accepted")
    pane.get_by_test_id("act-assign").click()
    pane.get_by_test_id("action-send").click()
    expect(chip).to_have_attribute("data-status", "assigned")
    expect(pane.get_by_test_id("sla")).to_be_visible()  # assignment started the clock
    expect(card.get_by_test_id("sla")).to_be_visible()  # the inbox card keeps in step
    pane.get_by_test_id("act-start").click()
    expect(chip).to_have_attribute("data-status", "in_progress")

    # An internal note and a public reply from a template: only the reply reaches the resident.
    note = unique("Internal: crew B, bring the big compactor")
    pane.get_by_test_id("kind-internal").check()
    pane.get_by_test_id("comment-input").fill(note)
    pane.get_by_role("button", name="Save note").click()
    expect(pane.get_by_test_id("internal-note").filter(has_text=note)).to_be_visible()
    pane.get_by_test_id("kind-public").check()
    pane.get_by_test_id("template-picker").select_option(label=template)
    expect(pane.get_by_test_id("comment-input")).to_have_value(
        "Thank you! A crew is scheduled for this week."
    )
    pane.get_by_role("button", name="Post").click()
    expect(watcher.get_by_test_id("comments")).to_contain_text("A crew is scheduled")

    pane.get_by_test_id("act-resolve").click()
    form = pane.get_by_test_id("form-resolve")
    form.get_by_test_id("field-note").fill("Filled and compacted.")
    form.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, *CENTRE))
    expect(form.locator(".photo-list img")).to_have_count(1)
    form.get_by_test_id("action-send").click()
    expect(chip).to_have_attribute("data-status", "resolved")
    expect(watcher.get_by_test_id("timeline-item").last).to_contain_text("Filled and compacted.")
    expect(watcher.get_by_test_id("confirm-fix")).to_be_visible()
    expect(pane.get_by_test_id("no-actions").or_(pane.get_by_test_id("act-close"))).to_be_visible()
    # the open-cases inbox lets go of the resolved case
    expect(card).to_have_count(0)

    assert still_same_document(desk) and still_same_document(watcher)
    expect(watcher.locator("body")).not_to_contain_text(note)
    expect(watcher.get_by_test_id("internal-note")).to_have_count(0)
    watcher.reload()
    expect(watcher.get_by_test_id("comments")).to_contain_text("A crew is scheduled")
    expect(watcher.locator("body")).not_to_contain_text(note)
    after = watcher.locator(".case-photos figure").filter(has_text="After")
    expect(after.locator("img")).to_have_count(1)


def test_a_transfer_moves_the_case_to_the_other_inbox_live(make_context, server):
    roads = make_context(**DESK)
    sign_in(roads, make_account(server, "staff", ("roads",)))
    lighting = make_context()  # a phone
    sign_in(lighting, make_account(server, "staff", ("lighting",)))
    case = server.reporter.ok(
        "POST",
        "/cases",
        expect=201,
        json={"category": "pothole", "lat": CENTRE[0], "lon": CENTRE[1],
              "description": unique("Lamp post hit, hole in the pavement")},
    )  # fmt: skip
    for action in ("accept", "assign"):
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})

    theirs = lighting.new_page()
    open_inbox(theirs)
    expect(theirs.locator(f'a[data-case-id="{case["id"]}"]')).to_have_count(0)

    mine = roads.new_page()
    mine.goto(f"/staff/cases/{case['id']}")
    pane = mine.get_by_test_id("desk-pane")
    card = mine.locator(f'[data-testid="inbox-list"] a[data-case-id="{case["id"]}"]')
    expect(card).to_be_visible()
    mark_document(mine)
    pane.get_by_test_id("act-transfer").click()
    form = pane.get_by_test_id("form-transfer")
    form.get_by_test_id("field-department").select_option("lighting")
    form.get_by_test_id("field-reason").fill("The lamp post fell: lighting repairs both.")
    form.get_by_test_id("action-send").click()

    arrived = theirs.locator(f'[data-testid="inbox-list"] a[data-case-id="{case["id"]}"]')
    expect(arrived).to_be_visible()
    expect(arrived).to_contain_text("Street Lighting")
    expect(card).to_have_count(0)  # gone from the roads inbox, live
    expect(pane.get_by_test_id("no-actions")).to_be_visible()  # no longer ours to act on
    assert still_same_document(theirs) and still_same_document(mine)

    arrived.click()  # a phone: the desk on its own screen
    expect(theirs).to_have_url(f"{server.url}/staff/cases/{case['id']}")
    expect(theirs.get_by_test_id("act-start")).to_be_visible()
    expect(theirs.get_by_test_id("timeline-item").last).to_contain_text("Street Lighting")


def test_the_desks_speak_the_persons_language(make_context, server):
    case = file_case_for_roads(server)
    context = make_context(locale="zh-CN")
    sign_in(context, STAFF_EMAIL)
    page = context.new_page()
    page.goto(f"/staff/cases/{case['id']}")
    expect(page.locator("h1")).to_have_text("案件处理台")
    expect(page.get_by_test_id("act-accept")).to_have_text("受理")
    page.goto("/staff")
    expect(page.locator("h1")).to_have_text("部门收件箱")
    expect(page.get_by_test_id("filter-status")).to_contain_text("未完成")


def file_case_for_roads(server) -> dict:
    body = {"category": "pothole", "lat": CENTRE[0], "lon": CENTRE[1],
            "description": unique("Sunken manhole cover")}  # fmt: skip
    return server.reporter.ok("POST", "/cases", expect=201, json=body)


def test_an_overdue_case_stands_out_and_has_its_own_filter(make_context, server):
    late = file_case_for_roads(server)
    on_time = file_case_for_roads(server)
    for case in (late, on_time):
        for action in ("accept", "assign"):
            server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
    backdate_due(server, late["id"], hours=5)
    context = make_context()
    sign_in(context, STAFF_EMAIL)
    page = context.new_page()
    open_inbox(page)
    late_card = page.get_by_test_id("inbox-list").locator(f'a[data-case-id="{late["id"]}"]')
    clock = late_card.get_by_test_id("sla")
    expect(clock).to_have_attribute("data-tone", "overdue")
    expect(clock).to_contain_text("5 hours overdue")  # in words, not colour alone
    first = page.get_by_test_id("inbox-list").locator("a[data-case-id]").first
    expect(first).to_have_attribute("data-case-id", str(late["id"]))  # due first: most late on top

    page.get_by_test_id("filter-overdue").check()
    expect(late_card).to_be_visible()
    on_time_card = page.get_by_test_id("inbox-list").locator(f'a[data-case-id="{on_time["id"]}"]')
    expect(on_time_card).to_have_count(0)


def backdate_due(server, case_id: int, hours: int) -> None:
    """Put a case's deadline in the past, as time passing would (test setup, in the database)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine, text

    engine = create_engine(server.env["DATABASE_URL"])
    past = datetime.now(UTC) - timedelta(hours=hours, minutes=10)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE cases SET due_at = :due WHERE id = :id"), {"due": past, "id": case_id}
        )
    engine.dispose()
