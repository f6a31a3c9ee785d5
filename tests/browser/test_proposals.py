"""A resident's proposal from writing to its discussion, and another's votes and report, in
the phone's browser, each checked through the API."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, make_account, sign_in, sign_up, unique, wait_for_screen
from tests.browser.support import ADMIN_EMAIL, STAFF_EMAIL

pytestmark = pytest.mark.browser


def make_topic(server) -> dict:
    code = unique("t").replace(" ", "-").lower()
    return server.admin.ok(
        "POST",
        "/proposals/topics",
        expect=201,
        json={"code": code, "name": unique("Green spaces"), "names": {"zh-CN": "绿地"}},
    )


def publish(context, **fields) -> dict:
    body = {"title": unique("Benches by the river"), "body": "Somewhere to rest."} | fields
    return api_in(context, "POST", "/proposals", body, expect=201)


def test_a_resident_proposes_under_a_topic_and_cannot_support_it(context, server):
    topic = make_topic(server)
    sign_up(context)
    page = context.new_page()
    page.goto("/proposals/new")
    title = unique("Shade trees on Fuzhou Road")
    page.get_by_test_id("proposal-title").fill(title)
    page.get_by_test_id("proposal-body").fill("Plane trees every 15 metres.")
    page.get_by_test_id("proposal-topic").select_option(topic["code"])
    page.get_by_test_id("proposal-send").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_id = int(page.url.rsplit("/", 1)[1])
    stored = server.public.ok("GET", f"/proposals/{proposal_id}")
    assert (stored["title"], stored["status"], stored["topic"]["code"]) == (
        title,
        "published",
        topic["code"],
    )
    expect(page.get_by_test_id("proposal-topic")).to_have_text(topic["name"])
    expect(page.get_by_test_id("own-proposal")).to_be_visible()
    expect(page.get_by_test_id("vote-support")).to_be_disabled()
    expect(page.get_by_test_id("vote-oppose")).to_be_disabled()

    # The list filters by the topic's chip.
    page.goto("/proposals")
    page.locator(f'[data-testid="topic-chips"] [data-topic="{topic["code"]}"]').click()
    cards = page.get_by_test_id("proposal-card")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text(title)


def test_a_neighbour_supports_opposes_withdraws_and_reports(make_context, server):
    author = make_context()
    sign_up(author)
    proposal = publish(author)
    voter = make_context()
    sign_up(voter)
    page = voter.new_page()
    page.goto(f"/proposals/{proposal['id']}")
    support, oppose = page.get_by_test_id("vote-support"), page.get_by_test_id("vote-oppose")

    def stored() -> tuple:
        mine = api_in(voter, "GET", f"/proposals/{proposal['id']}")
        return mine["my_vote"], mine["supports"], mine["opposes"]

    support.click()
    expect(support).to_have_attribute("aria-pressed", "true")
    assert stored() == ("support", 1, 0)
    oppose.click()
    expect(oppose).to_have_attribute("aria-pressed", "true")
    expect(support).to_have_attribute("aria-pressed", "false")
    assert stored() == ("oppose", 0, 1)
    oppose.click()  # pressing the pressed one withdraws the vote
    expect(oppose).to_have_attribute("aria-pressed", "false")
    assert stored() == (None, 0, 0)

    page.get_by_test_id("flag-proposal").click()
    page.get_by_test_id("flag-reason").select_option("off_topic")
    page.get_by_test_id("flag-text").fill("Not about the city.")
    page.get_by_test_id("flag-send").click()
    expect(page.get_by_test_id("flag-done")).to_be_visible()
    queue = server.admin.ok("GET", "/moderation/queue", params={"per_page": 100})["items"]
    [item] = [
        i for i in queue if (i["target_type"], i["target_id"]) == ("proposal", proposal["id"])
    ]
    assert "off_topic" in str(item)


def test_comment_on_a_proposal_and_reply_to_a_comment(make_context, server):
    author = make_context()
    sign_up(author)
    proposal = publish(author)
    first = api_in(
        author, "POST", f"/proposals/{proposal['id']}/comments", {"body": "Thoughts?"}, expect=201
    )
    neighbour = make_context()
    sign_up(neighbour)
    page = neighbour.new_page()
    page.goto(f"/proposals/{proposal['id']}")
    wait_for_screen(page)

    page.locator("form.composer").last.get_by_test_id("comment-input").fill("A great idea.")
    page.locator("form.composer").last.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("comment").filter(has_text="A great idea.")).to_be_visible()

    thread = page.get_by_test_id("comment").filter(has_text="Thoughts?")
    thread.get_by_role("button", name="Reply").click()
    reply_form = thread.locator("form.composer")
    reply_form.get_by_test_id("comment-input").fill("Yes, near the bridge.")
    reply_form.locator('button[type="submit"]').click()
    expect(thread.locator('.replies [data-testid="comment"]')).to_contain_text("near the bridge")

    comments = server.public.ok(
        "GET", f"/proposals/{proposal['id']}/comments", params={"per_page": 50}
    )["items"]
    bodies = {c["body"]: c for c in comments}
    assert bodies["A great idea."]["parent_id"] is None
    assert bodies["Yes, near the bridge."]["reply_to_id"] == first["id"]
    assert server.public.ok("GET", f"/proposals/{proposal['id']}")["comments"] == 3


def test_the_author_edits_and_deletes_an_older_comment_after_a_reload(make_context, server):
    author = make_context()
    sign_up(author)
    proposal = publish(author)
    other = make_context()
    sign_up(other)
    theirs = api_in(
        other, "POST", f"/proposals/{proposal['id']}/comments", {"body": "Not mine"}, expect=201
    )
    mine = api_in(
        author, "POST", f"/proposals/{proposal['id']}/comments", {"body": "Typo hre"}, expect=201
    )
    page = author.new_page()
    page.goto(f"/proposals/{proposal['id']}")  # a fresh load: only the server says whose
    wait_for_screen(page)
    page.on("dialog", lambda dialog: dialog.accept())

    stranger = page.get_by_test_id("comment").filter(has_text="Not mine")
    expect(stranger).to_be_visible()
    expect(stranger.get_by_test_id("comment-edit")).to_have_count(0)
    expect(stranger.get_by_test_id("comment-delete")).to_have_count(0)

    own = page.locator(f'[data-comment-id="{mine["id"]}"]')
    own.get_by_test_id("comment-edit").click()
    own.get_by_test_id("comment-edit-input").fill("Typo here")
    own.locator('form.comment-edit button[type="submit"]').click()
    expect(own.locator(".comment-body")).to_have_text("Typo here")
    stored = server.public.ok("GET", f"/comments/{mine['id']}")
    assert (stored["body"], stored["edited"]) == ("Typo here", True)

    own.get_by_test_id("comment-delete").click()
    expect(own).to_have_count(0)
    listed = server.public.ok("GET", f"/proposals/{proposal['id']}/comments")["items"]
    assert [c["id"] for c in listed] == [theirs["id"]]


def test_an_anonymous_visitor_reads_proposals_and_the_moderation_log(make_context, server):
    admin = make_context()
    sign_in(admin, ADMIN_EMAIL)
    writer = make_context()
    sign_up(writer)
    shown = publish(writer, title=unique("Night bus to the east"))
    hidden = publish(writer, title=unique("Buy my scooter"))
    reason = unique("Advertising")
    items = [{"target_type": "proposal", "target_id": hidden["id"]}]
    api_in(
        admin, "POST", "/moderation/actions", {"action": "hide", "items": items, "reason": reason}
    )

    page = make_context().new_page()
    page.goto("/proposals")
    expect(page.get_by_test_id("proposal-card").filter(has_text=shown["title"])).to_be_visible()
    expect(page.get_by_test_id("proposal-card").filter(has_text=hidden["title"])).to_have_count(0)
    page.get_by_test_id("proposal-card").filter(has_text=shown["title"]).click()
    expect(page.locator("#main h1")).to_have_text(shown["title"])
    expect(page.get_by_test_id("vote-support")).to_be_disabled()
    expect(page.get_by_test_id("votes").locator(".signin-hint")).to_be_visible()

    page.goto("/account")
    page.get_by_test_id("modlog-link").click()
    entry = page.locator(f'[data-testid="modlog-entry"][data-target="proposal:{hidden["id"]}"]')
    expect(entry).to_contain_text(reason)
    expect(entry).to_have_attribute("data-action", "hide")
    log = server.public.ok(
        "GET", "/moderation/log", params={"target_type": "proposal", "target_id": hidden["id"]}
    )
    assert [(e["action"], e["reason"]) for e in log["items"]] == [("hide", reason)]


def test_with_review_on_a_volunteer_declines_and_staff_publish_held_proposals(make_context, server):
    server.admin.ok("PATCH", "/admin/settings", json={"proposal_review": True})
    try:
        topic = make_topic(server)
        writer = make_context()
        sign_up(writer)
        page = writer.new_page()
        page.goto("/proposals/new")
        spam = unique("Buy my scooter")
        page.get_by_test_id("proposal-title").fill(spam)
        page.get_by_test_id("proposal-body").fill("Cheap, call me.")
        page.get_by_test_id("proposal-topic").select_option(topic["code"])
        page.get_by_test_id("proposal-send").click()
        expect(page.get_by_test_id("pending-notice")).to_be_visible()  # held, and says so
        held = int(page.url.rsplit("/", 1)[1])
        good = publish(writer, title=unique("A water fountain in the square"))
        assert good["status"] == "pending"
        assert server.public.call("GET", f"/proposals/{held}").status_code == 404

        volunteer = make_context()
        sign_in(volunteer, make_account(server, "volunteer"))
        desk = volunteer.new_page()
        desk.goto("/moderation")
        item = desk.locator(f'[data-testid="review-item"][data-proposal-id="{held}"]')
        item.get_by_test_id("review-decline").click()
        expect(item.locator(".field-error")).to_be_visible()  # a reason for the author
        item.get_by_test_id("review-reason").fill("Advertising is not a proposal.")
        item.get_by_test_id("review-decline").click()
        expect(item).to_have_count(0)
        declined = api_in(writer, "GET", f"/proposals/{held}")
        assert (declined["status"], declined["decline_reason"]) == (
            "declined",
            "Advertising is not a proposal.",
        )

        staff = make_context()
        sign_in(staff, STAFF_EMAIL)
        pdesk = staff.new_page()
        pdesk.goto("/staff/proposals")
        waiting = pdesk.locator(f'[data-testid="review-item"][data-proposal-id="{good["id"]}"]')
        waiting.get_by_test_id("review-approve").click()
        expect(waiting).to_have_count(0)
        assert server.public.ok("GET", f"/proposals/{good['id']}")["status"] == "published"
    finally:
        server.admin.ok("PATCH", "/admin/settings", json={"proposal_review": None})
