"""A resident's notifications, their preferences and their language, and an anonymous
visitor on a case page, in the browser, each checked through the API."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, file_case, sign_up, unique, wait_for_screen
from tests.helpers import ROOT

pytestmark = pytest.mark.browser

EN = json.loads((ROOT / "pwa" / "src" / "i18n" / "en.json").read_text(encoding="utf-8"))


def test_an_official_answer_shows_in_the_notification_list_and_is_read_there(make_context, server):
    author = make_context()
    sign_up(author)
    body = {"title": unique("A night bus"), "body": "Hourly until 2:00."}
    proposal = api_in(author, "POST", "/proposals", body, expect=201)
    follower = make_context()
    sign_up(follower)
    api_in(follower, "POST", f"/proposals/{proposal['id']}/follow")
    server.staff.ok(
        "POST",
        f"/proposals/{proposal['id']}/answer",
        json={"decision": "accepted", "body": "It runs from next month."},
    )

    page = follower.new_page()
    page.goto("/notifications")
    item = page.get_by_test_id("notification").filter(has_text=proposal["title"])
    expect(item).to_have_class("unread")
    [stored] = api_in(follower, "GET", "/notifications")["items"]
    assert (stored["kind"], int(stored["target"]["id"]), stored["read_at"]) == (
        "proposal_answer",
        proposal["id"],
        None,
    )
    page.get_by_test_id("mark-all-read").click()
    expect(item).not_to_have_class("unread")
    assert api_in(follower, "GET", "/notifications")["items"][0]["read_at"] is not None


def test_notification_preferences_read_as_words_and_are_stored(context):
    sign_up(context)
    page = context.new_page()
    page.goto("/account")
    select = page.get_by_test_id("pref-proposal_answer")
    field = page.locator(".field", has=select)
    expect(field).to_contain_text(EN["prefs.kind.proposal_answer"])
    kinds = api_in(context, "GET", "/notifications/preferences")
    for kind in kinds.get("preferences", kinds):
        expect(page.locator(".field", has=page.get_by_test_id(f"pref-{kind}"))).not_to_contain_text(
            kind
        )
    select.select_option("off")
    expect(page.get_by_role("status").filter(has_text=EN["account.saved"])).to_be_visible()
    stored = api_in(context, "GET", "/notifications/preferences")
    assert stored.get("preferences", stored)["proposal_answer"] == "off"


def test_a_signed_in_language_choice_is_kept_on_the_account(context):
    sign_up(context)
    page = context.new_page()
    page.goto("/account")
    page.get_by_test_id("language").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.wait_for_function(
        """async () => (await (await fetch('/api/v1/me')).json()).locale === 'zh-CN'"""
    )
    assert api_in(context, "GET", "/me")["locale"] == "zh-CN"


def test_an_anonymous_visitor_reads_a_case(make_context, server):
    case = file_case(server)
    page = make_context().new_page()
    page.goto(f"/cases/{case['id']}")
    wait_for_screen(page)
    expect(page.locator("#main h1")).to_have_text("Pothole")
    expect(page.locator("#main")).to_contain_text(case["description"])
    assert server.public.ok("GET", f"/cases/{case['id']}")["status"] == "submitted"
