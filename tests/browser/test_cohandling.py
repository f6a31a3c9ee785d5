"""Co-handling from both sides: the lead department asks another for help, that one does its
part; each desk loads without a refused request, and the server stores both steps."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, make_account, sign_in, unique
from tests.browser.support import STAFF_EMAIL

pytestmark = pytest.mark.browser


def refused_api_calls(page) -> list[str]:
    """API requests the page made that the server refused (401/403): a desk asking for
    something its person may not have (a 404 such as "no saved place" is an answer)."""
    refused: list[str] = []
    page.on(
        "response",
        lambda r: (
            refused.append(f"{r.status} {r.url}")
            if "/api/" in r.url and r.status in (401, 403)
            else None
        ),
    )
    return refused


def test_the_lead_asks_for_help_and_the_co_handling_department_marks_its_part_done(
    make_context, server
):
    case = file_case(server)
    template = unique("On our list")
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "accept"})
    server.staff.ok(
        "POST",
        "/categories/pothole/templates",
        expect=201,
        json={"title": template, "body": "We have scheduled the repair."},
    )

    lead = make_context()
    sign_in(lead, STAFF_EMAIL)
    desk = lead.new_page()
    lead_refused = refused_api_calls(desk)
    desk.goto(f"/staff/cases/{case['id']}")
    expect(desk.get_by_test_id("act-assign")).to_be_visible()
    desk.get_by_test_id("task-open").click()
    desk.get_by_test_id("task-department").select_option("lighting")
    desk.get_by_test_id("task-note").fill("The lamp above the hole is out too.")
    desk.get_by_test_id("task-ask").click()
    expect(desk.get_by_test_id("task")).to_have_attribute("data-status", "open")
    [task] = server.staff.ok("GET", f"/cases/{case['id']}/tasks")["items"]
    assert (task["department"]["code"], task["status"]) == ("lighting", "open")
    assert task["request_note"] == "The lamp above the hole is out too."
    expect(desk.locator("select option", has_text=template)).to_be_attached()  # its templates
    assert lead_refused == []

    helper = make_context()
    sign_in(helper, make_account(server, "staff", ("lighting",)))
    other = helper.new_page()
    helper_refused = refused_api_calls(other)
    other.goto(f"/staff/cases/{case['id']}")
    other.get_by_test_id("task-done-note").fill("Lamp replaced.")
    other.get_by_test_id("task-done").click()
    expect(other.get_by_test_id("task")).to_have_attribute("data-status", "done")
    expect(other.get_by_test_id("comment-input")).to_be_visible()  # the conversation loaded
    expect(other.locator("select option", has_text=template)).to_have_count(0)
    assert helper_refused == []  # no request for templates it may not read

    [task] = server.staff.ok("GET", f"/cases/{case['id']}/tasks")["items"]
    assert (task["status"], task["done_note"]) == ("done", "Lamp replaced.")
