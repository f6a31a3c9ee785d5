"""What a resident does on a case page, in the phone's browser against the real server, each
checked through the API: follow (the reporter already does), "me too", reopen, report a case
or a comment to moderators, reply, the case's map, clustered pins and the case reference.
(Reporting online and offline, starting offline, confirming and rating: test_report.py,
test_offline.py and test_case_page.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, file_case, sign_in, sign_up, unique
from tests.browser.support import REPORTER_EMAIL

pytestmark = pytest.mark.browser


def move(server, case, *actions, **fields):
    for action in actions:
        body = {"action": action} | (fields if action == actions[-1] else {})
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json=body)


def test_the_reporter_is_shown_following_their_case_and_can_stop(context, server):
    sign_in(context, REPORTER_EMAIL)
    case = file_case(server)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    follow = page.get_by_test_id("follow")
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).to_have_text("Following")
    assert api_in(context, "GET", f"/cases/{case['id']}")["viewer"]["following"] is True

    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    assert api_in(context, "GET", f"/cases/{case['id']}")["viewer"]["following"] is False
    follow.click()
    expect(follow).to_have_text("Following")
    assert api_in(context, "GET", f"/cases/{case['id']}")["viewer"]["following"] is True
    expect(page.get_by_test_id("me-too")).to_have_count(0)  # not on one's own case


def test_me_too_supports_the_case_and_follows_it(context, server):
    sign_up(context)
    case = file_case(server)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    expect(page.get_by_test_id("follow")).to_have_attribute("aria-pressed", "false")
    page.get_by_test_id("me-too").click()
    expect(page.get_by_test_id("me-too")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("follow")).to_have_text("Following")
    stored = api_in(context, "GET", f"/cases/{case['id']}")
    assert stored["supporters"] == 1
    assert (stored["viewer"]["supporting"], stored["viewer"]["following"]) == (True, True)
    page.reload()
    expect(page.get_by_test_id("me-too")).to_be_disabled()  # once


def test_the_reporter_reopens_a_fix_that_did_not_hold(context, server):
    sign_in(context, REPORTER_EMAIL)
    case = file_case(server)
    move(server, case, "accept", "assign", "start", "resolve", note="Patched.")
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    page.get_by_test_id("reopen").click()
    page.get_by_test_id("reopen-send").click()  # no reason yet: refused in place
    expect(page.locator(".reopen-form .field-error")).to_be_visible()
    page.get_by_test_id("reopen-reason").fill("The hole is back after the rain.")
    page.get_by_test_id("reopen-send").click()
    chip = page.get_by_test_id("case-summary").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "assigned")
    stored = server.public.ok("GET", f"/cases/{case['id']}")
    assert (stored["status"], stored["reopen_count"]) == ("assigned", 1)
    events = server.public.ok("GET", f"/cases/{case['id']}/events")["items"]
    assert events[-1]["action"] == "reopen"
    assert events[-1]["reason"] == "The hole is back after the rain."


def _queue_item(server, target_type: str, target_id: int) -> dict:
    queue = server.admin.ok(
        "GET", "/moderation/queue", params={"kind": "flagged", "target_type": target_type}
    )
    return next(i for i in queue["items"] if i["target_id"] == target_id)


def test_a_resident_reports_a_case_once_with_a_reason_the_api_knows(context, server):
    sign_up(context)
    case = file_case(server)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    page.get_by_test_id("flag-case").click()
    dialog = page.get_by_test_id("flag-dialog")
    expect(dialog).to_be_visible()
    reasons = server.public.ok("GET", "/config")["flag_reasons"]
    expect(dialog.locator("input[type=radio]")).to_have_count(len(reasons))
    dialog.get_by_label("Shows someone's personal information").check()
    dialog.locator("textarea").fill("A car's number plate is readable.")
    dialog.get_by_test_id("flag-send").click()
    expect(dialog.get_by_test_id("flag-thanks")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("flag-case")).to_have_text("Reported")

    item = _queue_item(server, "case", case["id"])
    assert item["flags"]["reasons"] == {"personal_data": 1}
    assert item["flags"]["texts"] == ["A car's number plate is readable."]

    page.reload()  # the page does not know; the server does, and the person is told so
    page.get_by_test_id("flag-case").click()
    page.get_by_test_id("flag-send").click()
    expect(page.get_by_test_id("flag-already")).to_contain_text("already reported")
    assert _queue_item(server, "case", case["id"])["flags"]["count"] == 1


def test_a_resident_replies_on_a_case_and_another_reports_the_reply(make_context, server):
    case = file_case(server)
    writer = make_context()
    sign_up(writer)
    page = writer.new_page()
    page.goto(f"/cases/{case['id']}")
    body = unique("Buy this miracle glue at")
    page.get_by_test_id("comment-input").fill(body)
    page.locator(".composer button[type=submit]").click()
    mine = page.get_by_test_id("comment").filter(has_text=body)
    expect(mine).to_be_visible()
    expect(mine.get_by_test_id("flag-comment")).to_have_count(0)  # not one's own
    [stored] = [
        c
        for c in server.public.ok("GET", f"/cases/{case['id']}/comments")["items"]
        if c["body"] == body
    ]

    reader = make_context()
    sign_up(reader)
    page = reader.new_page()
    page.goto(f"/cases/{case['id']}")
    page.get_by_test_id("comment").filter(has_text=body).get_by_test_id("flag-comment").click()
    dialog = page.get_by_test_id("flag-dialog")
    expect(dialog.locator("h2")).to_have_text("Report this comment")
    dialog.get_by_label("Spam or advertising").check()
    dialog.get_by_test_id("flag-send").click()
    expect(dialog.get_by_test_id("flag-thanks")).to_be_visible()
    assert _queue_item(server, "comment", stored["id"])["flags"]["reasons"] == {"spam": 1}


def test_the_case_page_shows_the_case_on_a_map(page, server):
    case = file_case(server)
    page.goto(f"/cases/{case['id']}")
    pin = page.get_by_test_id("case-map").get_by_test_id("case-pin")
    expect(pin).to_be_visible()
    stored = server.public.ok("GET", f"/cases/{case['id']}")
    expect(pin).to_have_class(f"leaflet-marker-icon pin status-{stored['status']}"
                              " leaflet-zoom-animated leaflet-interactive")  # fmt: skip
    # The pin sits in the middle of the map: the map is centred on the stored position.
    box, pin_box = page.get_by_test_id("case-map").bounding_box(), pin.bounding_box()
    assert abs(box["x"] + box["width"] / 2 - (pin_box["x"] + pin_box["width"] / 2)) < 2
    assert abs(box["y"] + box["height"] / 2 - (pin_box["y"] + pin_box["height"])) < 2


def test_overlapping_pins_are_one_numbered_pin_that_lists_them(page, server):
    spot = {"lat": 31.2304, "lon": 121.4677}  # west of the centre
    # One title for the three, searched for below, so that the map shows only them: the
    # demo city's cases and other tests' would otherwise join the numbered pin.
    title = unique("Lamp out")
    cases = [file_case(server, **spot, title=title) for _ in range(3)]
    here = {c["id"] for c in cases}
    found = server.public.ok("GET", "/cases/pins", params={"q": title, "per_page": 100})
    assert {p["id"] for p in found["items"]} == here
    page.goto("/")
    page.get_by_test_id("case-search").fill(title)
    page.get_by_test_id("case-search").press("Enter")
    home_map = page.get_by_test_id("home-map")
    cluster = home_map.locator(".pin-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text(str(len(here)))
    expect(cluster).to_have_attribute("title", f"{len(here)} cases here: zoom in")
    cluster.click()  # one spot: zooming cannot part them, so they are listed
    links = page.locator(".cluster-list a")
    expect(links).to_have_count(len(here))
    hrefs = {links.nth(i).get_attribute("href") for i in range(len(here))}
    assert hrefs == {f"/cases/{case_id}" for case_id in here}
    links.first.click()
    page.wait_for_url("**/cases/*")
    expect(page.get_by_test_id("case-map")).to_be_visible()


def test_the_reference_is_shown_and_finds_the_case(page, server):
    case = file_case(server)
    reference = case["reference"]
    assert server.public.ok("GET", f"/cases/by-ref/{reference}")["id"] == case["id"]
    page.goto(f"/cases/{case['id']}")
    expect(page.get_by_test_id("case-summary").get_by_test_id("case-ref")).to_have_text(
        f"Case {reference}"
    )
    page.goto("/")
    prefix, period, number = reference.split("-")
    page.get_by_test_id("case-search").fill(f"{prefix.lower()} {period} {int(number)}")
    page.get_by_test_id("case-search").press("Enter")  # as it was read over the phone
    cards = page.get_by_test_id("case-list").get_by_test_id("case-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-case-id", str(case["id"]))
    expect(cards.first.get_by_test_id("case-ref")).to_have_text(f"Case {reference}")
