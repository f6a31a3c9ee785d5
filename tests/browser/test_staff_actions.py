"""Staff and volunteer actions the other desk tests do not drive: assigning a person,
transferring a new report, resolving over open tasks, "looks fine". Each checks what the
server stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, file_case, make_account, sign_in, sign_up, unique
from tests.browser.support import STAFF_EMAIL

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def _desk(make_context, case_id: int, email: str = STAFF_EMAIL):
    context = make_context(**DESK)
    sign_in(context, email)
    page = context.new_page()
    page.goto(f"/staff/cases/{case_id}")
    return page.get_by_test_id("desk-pane")


def test_assigning_a_case_to_a_person_of_the_department(make_context, server):
    colleague_email = make_account(server, "staff", ("roads",))
    colleague = make_context()
    me = sign_in(colleague, colleague_email)
    case = file_case(server)
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "accept"})
    pane = _desk(make_context, case["id"])
    pane.get_by_test_id("act-assign").click()
    form = pane.get_by_test_id("form-assign")
    form.get_by_test_id("field-assignee").select_option(str(me["id"]))
    form.get_by_test_id("action-send").click()
    expect(pane.get_by_test_id("desk-assignee")).to_have_text(me["display_name"])
    stored = server.staff.ok("GET", f"/cases/{case['id']}")
    assert (stored["status"], stored["assignee"]["id"]) == ("assigned", me["id"])
    mine = api_in(colleague, "GET", f"/cases?assigned_to_me=true&q={case['id']}")
    assert [c["id"] for c in mine["items"]] == [case["id"]]


def test_a_misrouted_new_report_is_transferred_at_once(make_context, server):
    case = file_case(server)
    pane = _desk(make_context, case["id"])
    pane.get_by_test_id("act-transfer").click()
    form = pane.get_by_test_id("form-transfer")
    form.get_by_test_id("field-department").select_option("lighting")
    form.get_by_test_id("field-reason").fill("A street light, not the road.")
    form.get_by_test_id("action-send").click()
    chip = pane.get_by_test_id("case-desk").locator(".desk-head").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "assigned")
    stored = server.public.ok("GET", f"/cases/{case['id']}")
    assert (stored["status"], stored["department"]["code"]) == ("assigned", "lighting")


def test_resolving_over_open_tasks_keeps_the_reason_internal(make_context, server):
    case = file_case(server)
    for action in ("accept", "assign", "start"):
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
    task = {"department": "lighting", "note": "Check the lamp"}
    server.staff.ok("POST", f"/cases/{case['id']}/tasks", expect=201, json=task)
    pane = _desk(make_context, case["id"])
    expect(pane.get_by_test_id("task")).to_have_attribute("data-status", "open")
    pane.get_by_test_id("act-resolve").click()
    form = pane.get_by_test_id("form-resolve")
    form.get_by_test_id("field-note").fill("Filled.")
    form.get_by_test_id("field-override").check()
    why = unique("Lighting will come later")
    form.get_by_test_id("field-reason").fill(why)
    expect(form.get_by_test_id("reason-visibility")).to_contain_text("residents do not see it")
    form.get_by_test_id("action-send").click()
    chip = pane.get_by_test_id("case-desk").locator(".desk-head").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "resolved")

    def resolve_reason(api):
        items = api.ok("GET", f"/cases/{case['id']}/events")["items"]
        return next(e["reason"] for e in items if e["action"] == "resolve")

    assert resolve_reason(server.staff) == why
    assert resolve_reason(server.public) is None
    assert resolve_reason(server.reporter) is None


def test_a_volunteer_clears_new_content_with_looks_fine(make_context, server):
    case = file_case(server)
    author = make_context()
    sign_up(author)
    body = unique("Same here, the hole is getting deeper")
    comment = api_in(author, "POST", f"/cases/{case['id']}/comments", {"body": body}, expect=201)
    volunteer = make_context(**DESK)
    sign_in(volunteer, make_account(server, "volunteer"))
    desk = volunteer.new_page()
    desk.goto("/moderation")
    item = desk.locator(f'[data-testid="mod-item"][data-key="comment:{comment["id"]}"]')
    expect(item).to_have_attribute("data-kind", "new")
    item.get_by_test_id("mod-fine").click()
    expect(item).to_have_count(0)
    queue = api_in(volunteer, "GET", "/moderation/queue?kind=new&target_type=comment&per_page=100")
    assert comment["id"] not in [i["target_id"] for i in queue["items"]]
    state = api_in(volunteer, "GET", f"/moderation/items/comment/{comment['id']}")
    assert (state["kind"], state["hidden"]) == ("new", False)

    # flagged again, it comes back at once, at the top of the open list
    flag = {"target_type": "comment", "target_id": comment["id"], "reason": "spam"}
    server.reporter.ok("POST", "/flags", expect=201, json=flag)
    expect(item).to_have_attribute("data-kind", "flagged")
    expect(desk.get_by_test_id("mod-item").first).to_have_attribute(
        "data-key", f"comment:{comment['id']}"
    )
