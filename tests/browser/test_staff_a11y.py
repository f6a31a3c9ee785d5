"""axe-core on the staff and volunteer desks: no serious or critical issue, on a phone and wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, file_case, make_account, sign_in, sign_up, unique
from tests.browser.support import STAFF_EMAIL
from tests.browser.test_a11y import audit, axe_violations

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def assert_clean(page, where: str) -> None:
    found = axe_violations(page)
    assert not found, f"axe found on {where}:\n" + "\n".join(
        f"- {v['impact']} {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"]) for v in found
    )


@pytest.mark.parametrize("layout", ["phone", "wide"])
def test_staff_desks(make_context, server, layout):
    case = file_case(server)
    for action in ("accept", "assign"):
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
    proposal = {"title": unique("Shade trees"), "body": "Plant trees on the square."}
    server.reporter.ok("POST", "/proposals", expect=201, json=proposal)
    context = make_context(**(DESK if layout == "wide" else {}))
    sign_in(context, STAFF_EMAIL)
    page = context.new_page()
    audit(
        page,
        ["/staff", "/staff?view=map&status=all", f"/staff/cases/{case['id']}", "/staff/proposals"],
    )

    # the desk with its forms open: an action, the internal note composer
    page.goto(f"/staff/cases/{case['id']}")
    page.get_by_test_id("act-transfer").click()
    expect(page.get_by_test_id("form-transfer")).to_be_visible()
    page.get_by_test_id("kind-internal").check()
    page.get_by_test_id("action-send").click()  # the missing reason, shown as an error
    expect(page.get_by_test_id("form-transfer").locator(".field-error")).to_be_visible()
    assert_clean(page, "the case desk with forms open")


def test_moderation_desk(make_context, server):
    case = file_case(server)
    author = make_context()
    sign_up(author)
    comment = api_in(author, "POST", f"/cases/{case['id']}/comments", {"body": unique("Rude")}, 201)
    flag = {"target_type": "comment", "target_id": comment["id"], "reason": "abuse"}
    server.reporter.ok("POST", "/flags", expect=201, json=flag)
    volunteer = make_context()
    sign_in(volunteer, make_account(server, "volunteer"))
    page = volunteer.new_page()
    audit(page, ["/moderation", "/moderation?kind=hidden"])
    page.goto("/moderation?kind=flagged")
    page.get_by_test_id("mod-select").first.check()
    expect(page.get_by_test_id("bulk-bar")).to_be_visible()
    assert_clean(page, "the moderation desk with a selection")
