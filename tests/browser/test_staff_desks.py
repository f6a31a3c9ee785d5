"""Two staff on one case, the moderation desk and the proposals desk, in real browsers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import (
    api_in,
    file_case,
    make_account,
    mark_document,
    sign_in,
    sign_up,
    still_same_document,
    unique,
    wait_for_screen,
)
from tests.browser.support import STAFF_EMAIL

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def test_two_staff_see_each_others_changes_and_a_stale_action_is_refused(make_context, server):
    case = file_case(server)
    first = make_context()  # a phone in the field
    sign_in(first, STAFF_EMAIL)
    page = first.new_page()
    page.goto(f"/staff/cases/{case['id']}")
    desk = page.get_by_test_id("case-desk")
    expect(desk.locator(".live-dot.connected")).to_be_visible()
    mark_document(page)

    page.get_by_test_id("act-reject").click()  # starts writing a rejection ...
    page.get_by_test_id("field-reason").fill("Not a city road.")
    other = server.admin  # ... while someone else accepts the case
    other.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "accept"})
    chip = desk.locator(".desk-head").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "accepted")  # seen live
    expect(page.get_by_test_id("changed-meanwhile")).to_contain_text("Accepted")

    page.get_by_test_id("action-send").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("the case changed")
    assert other.ok("GET", f"/cases/{case['id']}")["status"] == "accepted"  # nothing overwritten

    page.get_by_test_id("conflict-reload").click()
    expect(page.get_by_test_id("act-assign")).to_be_visible()
    assert still_same_document(page)


def test_the_desk_works_beside_the_inbox_on_a_wide_screen(make_context, server):
    case = file_case(server)
    wide = make_context(**DESK)
    sign_in(wide, STAFF_EMAIL)
    page = wide.new_page()
    page.goto(f"/staff/cases/{case['id']}")
    pane = page.get_by_test_id("desk-pane")
    expect(pane.get_by_test_id("case-desk")).to_have_attribute("data-case-id", str(case["id"]))
    card = page.get_by_test_id("inbox-list").locator(f'a[data-case-id="{case["id"]}"]')
    expect(card).to_have_attribute("aria-current", "true")
    pane.get_by_test_id("act-reject").click()
    pane.get_by_test_id("field-reason").fill("Private road.")
    pane.get_by_test_id("action-send").click()
    expect(
        pane.get_by_test_id("case-desk").locator(".desk-head").get_by_test_id("status-chip")
    ).to_have_attribute("data-status", "rejected")
    expect(card).to_have_count(0)  # no longer open: it leaves the open-cases list
    assert server.public.ok("GET", f"/cases/{case['id']}")["status"] == "rejected"

    # A laptop: the resident tabs sit in the top bar, nothing covers the bottom of the desk,
    # and the map view is as tall as the screen, not a strip.
    tabs = page.locator("#tabbar").bounding_box()
    top = page.locator(".topbar").bounding_box()
    assert tabs["y"] == top["y"] and tabs["height"] == top["height"]
    page.get_by_test_id("view-map").click()
    box = page.get_by_test_id("inbox-map").bounding_box()
    assert box["height"] >= DESK["viewport"]["height"] - top["height"] - 32


def test_a_volunteer_hides_a_flagged_comment_and_it_disappears_for_residents(make_context, server):
    case = file_case(server)
    author = make_context()
    sign_up(author, name="Loud Larry")
    rude = unique("You are all idiots")
    comment = api_in(author, "POST", f"/cases/{case['id']}/comments", {"body": rude}, expect=201)

    resident = make_context()
    sign_up(resident)
    reading = resident.new_page()
    reading.goto(f"/cases/{case['id']}")
    expect(reading.get_by_test_id("comments")).to_contain_text(rude)
    expect(reading.locator(".live-dot.connected")).to_be_visible()
    mark_document(reading)

    volunteer = make_context()
    sign_in(volunteer, make_account(server, "volunteer"))
    desk = volunteer.new_page()
    desk.goto("/moderation?kind=flagged")
    wait_for_screen(desk)
    expect(desk.locator('[data-testid="mod-live"].connected')).to_be_visible()

    # the report arrives while the volunteer looks at the queue
    api_in(resident, "POST", "/flags", {"target_type": "comment", "target_id": comment["id"],
           "reason": "abuse", "text": "Insults"}, expect=201)  # fmt: skip
    item = desk.locator(f'[data-testid="mod-item"][data-key="comment:{comment["id"]}"]')
    expect(item).to_be_visible()
    expect(item.get_by_test_id("mod-context")).to_contain_text(rude)  # the content, in context
    expect(item).to_contain_text("abuse")
    expect(item.get_by_role("link", name="See it in context")).to_have_attribute(
        "href", f"/cases/{case['id']}"
    )

    item.get_by_test_id("mod-hide").click()
    expect(item.locator(".field-error")).to_be_visible()  # a reason is required
    item.get_by_test_id("mod-reason").fill("Insults other residents")
    item.get_by_test_id("mod-hide").click()
    expect(item).to_have_count(0)

    expect(reading.get_by_test_id("comments")).not_to_contain_text(rude)  # gone, no reload
    assert still_same_document(reading)
    reading.reload()
    expect(reading.get_by_test_id("comment-input")).to_be_visible()  # the replies have loaded
    expect(reading.locator(".comments-section")).not_to_contain_text(rude)


def test_bulk_moderation_and_verifying_a_fix_on_the_ground(make_context, server, tmp_path):
    from tests.browser.flows import photo_with_gps
    from tests.browser.support import CENTRE

    case = file_case(server)
    for action in ("accept", "assign", "start"):
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
    server.staff.ok("POST", f"/cases/{case['id']}/transitions",
                    json={"action": "resolve", "note": "Patched."})  # fmt: skip
    spammer = make_context()
    sign_up(spammer)
    spam = [
        api_in(spammer, "POST", f"/cases/{case['id']}/comments", {"body": unique("Buy cheap")}, 201)
        for _ in range(2)
    ]
    for c in spam:
        flag = {"target_type": "comment", "target_id": c["id"], "reason": "spam"}
        server.reporter.ok("POST", "/flags", expect=201, json=flag)

    volunteer = make_context()
    sign_in(volunteer, make_account(server, "volunteer"))
    desk = volunteer.new_page()
    desk.goto("/moderation?kind=flagged")
    for c in spam:
        key = f"comment:{c['id']}"
        desk.locator(f'[data-testid="mod-item"][data-key="{key}"]').get_by_test_id(
            "mod-select"
        ).check()
    bar = desk.get_by_test_id("bulk-bar")
    expect(bar).to_contain_text("2 items selected")
    bar.get_by_test_id("bulk-reason").fill("Advertising")
    bar.get_by_test_id("bulk-hide").click()
    for c in spam:
        expect(desk.locator(f'[data-key="comment:{c["id"]}"]')).to_have_count(0)
    log = server.public.ok("GET", "/moderation/log", params={"target_type": "comment"})["items"]
    assert {e["target_id"] for e in log if e["action"] == "hide"} >= {c["id"] for c in spam}

    # One was a real question after all: restored from the hidden list, public again.
    desk.get_by_test_id("mod-kind-hidden").click()
    back = desk.locator(f'[data-testid="mod-item"][data-key="comment:{spam[0]["id"]}"]')
    expect(back.get_by_test_id("mod-hidden-tag")).to_be_visible()
    back.get_by_test_id("mod-restore").click()
    expect(back).to_have_count(0)
    assert server.public.ok("GET", f"/comments/{spam[0]['id']}")["body"] == spam[0]["body"]
    assert server.public.call("GET", f"/comments/{spam[1]['id']}").status_code == 404
    desk.get_by_test_id("mod-kind-all").click()

    fixed = desk.locator(f'a[data-case-id="{case["id"]}"]')
    check = desk.get_by_test_id("verify-list").locator("li").filter(has=fixed)
    check.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, *CENTRE))
    expect(check.locator(".photo-list img")).to_have_count(1)
    check.get_by_test_id("verify-confirm").click()
    expect(check).to_have_count(0)
    checked = server.public.ok("GET", f"/cases/{case['id']}")
    assert checked["status"] == "closed"
    assert [p["kind"] for p in checked["photos"]] == ["verify"]


def test_a_staff_answer_to_a_proposal_reaches_its_followers_live(make_context, server):
    author = make_context()
    sign_up(author, name="Priya Proposer")
    title = unique("Benches along the creek")
    proposal = api_in(author, "POST", "/proposals",
                      {"title": title, "body": "Somewhere to rest every 200 m."}, 201)  # fmt: skip
    follower = make_context()
    sign_up(follower, name="Fred Follower")
    api_in(follower, "POST", f"/proposals/{proposal['id']}/follow")
    watching = follower.new_page()
    watching.goto(f"/proposals/{proposal['id']}")
    wait_for_screen(watching)
    expect(watching.get_by_test_id("nav-notifications")).to_be_visible()
    mark_document(watching)

    staff = make_context()
    sign_in(staff, STAFF_EMAIL)
    desk = staff.new_page()
    desk.goto("/staff/proposals")
    item = desk.locator(f'[data-testid="pdesk-item"][data-proposal-id="{proposal["id"]}"]')
    expect(item).to_be_visible()
    item.get_by_test_id("decision-accepted").check()
    item.get_by_test_id("answer-body").fill("Accepted: ten benches this spring.")
    item.get_by_test_id("answer-send").click()
    expect(item.locator(".pstatus")).to_have_attribute("data-status", "accepted")

    toast = watching.get_by_test_id("toast").filter(has_text=title)
    expect(toast).to_be_visible()  # the follower's notification, live
    expect(watching.locator("#bell .badge")).to_have_text("1")
    expect(watching.locator(".official")).to_contain_text("ten benches this spring")
    assert still_same_document(watching)

    # accepted proposals wait for the cases that carry them out
    case = file_case(server)
    desk.get_by_test_id("pdesk-view-accepted").click()
    item = desk.locator(f'[data-testid="pdesk-item"][data-proposal-id="{proposal["id"]}"]')
    item.get_by_test_id("link-cases").fill(str(case["id"]))
    item.get_by_test_id("link-send").click()
    expect(item.get_by_role("link", name=f"#{case['id']}")).to_be_visible()
    assert server.public.ok("GET", f"/proposals/{proposal['id']}")["linked_cases"] == [case["id"]]


def test_co_handling_reaches_the_other_department_live_and_comes_back_done(make_context, server):
    case = file_case(server)
    for action in ("accept", "assign"):
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
    lead = make_context(**DESK)
    sign_in(lead, make_account(server, "staff", ("roads",)))
    helper = make_context()
    sign_in(helper, make_account(server, "staff", ("lighting",)))
    inbox = helper.new_page()
    inbox.goto("/staff")
    expect(inbox.locator('[data-testid="inbox-live"].connected')).to_be_visible()
    mark_document(inbox)

    desk = lead.new_page()
    desk.goto(f"/staff/cases/{case['id']}")
    pane = desk.get_by_test_id("desk-pane")
    pane.get_by_test_id("task-open").click()
    pane.get_by_test_id("task-department").select_option("lighting")
    pane.get_by_test_id("task-note").fill("Please check the lamp above the hole.")
    pane.get_by_test_id("task-ask").click()
    expect(pane.get_by_test_id("task")).to_have_attribute("data-status", "open")

    task = inbox.locator(f'[data-testid="inbox-task"][data-case-id="{case["id"]}"]')
    expect(task).to_contain_text("Please check the lamp")  # arrived live
    assert still_same_document(inbox)
    task.click()
    inbox.get_by_test_id("task-done-note").fill("Lamp replaced.")
    inbox.get_by_test_id("task-done").click()
    expect(inbox.get_by_test_id("task")).to_have_attribute("data-status", "done")

    expect(pane.get_by_test_id("task")).to_have_attribute("data-status", "done")  # live
    expect(pane.get_by_test_id("task")).to_contain_text("Lamp replaced.")


def test_filters_and_merging_a_duplicate_picked_from_nearby_cases(make_context, server):
    here = {"lat": 31.2350, "lon": 121.4800}
    first = file_case(server, **here)
    duplicate = file_case(server, lat=here["lat"] + 0.0003, lon=here["lon"])
    someone_elses = file_case(server)
    for action in ("accept", "assign"):
        server.staff.ok(
            "POST", f"/cases/{someone_elses['id']}/transitions", json={"action": action}
        )
    context = make_context(**DESK)
    me = sign_in(context, make_account(server, "staff", ("roads",)))
    page = context.new_page()
    page.goto(f"/staff/cases/{first['id']}")
    pane = page.get_by_test_id("desk-pane")
    pane.get_by_test_id("act-accept").click()
    pane.get_by_test_id("act-assign").click()
    pane.get_by_test_id("field-assignee").select_option(str(me["id"]))  # to me
    pane.get_by_test_id("action-send").click()
    expect(pane.get_by_test_id("act-start")).to_be_visible()

    def card(case):
        return page.get_by_test_id("inbox-list").locator(f'a[data-case-id="{case["id"]}"]')

    expect(card(someone_elses)).to_be_visible()
    page.get_by_test_id("filter-mine").check()  # assigned to me
    expect(card(first)).to_be_visible()
    expect(card(someone_elses)).to_have_count(0)
    expect(card(duplicate)).to_have_count(0)
    assert "mine=1" in page.url
    page.get_by_test_id("filter-mine").uncheck()
    page.get_by_test_id("filter-status").select_option("new")
    expect(card(duplicate)).to_be_visible()
    expect(card(first)).to_have_count(0)  # assigned: not new any more

    card(duplicate).click()
    pane.get_by_test_id("act-merge").click()
    candidate = pane.get_by_test_id("form-merge").get_by_label(f"Case #{first['id']}", exact=False)
    candidate.check()
    expect(pane.get_by_test_id("field-merge-into")).to_have_value(str(first["id"]))
    pane.get_by_test_id("action-send").click()
    chip = pane.get_by_test_id("case-desk").locator(".desk-head").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "merged")
    expect(card(duplicate)).to_have_count(0)
    assert server.public.ok("GET", f"/cases/{duplicate['id']}")["merged_into"] == first["id"]
