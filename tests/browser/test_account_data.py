"""The mailed links and the account's data, in the phone's browser: confirm the address,
reset a forgotten password, download my data, delete my account. With no SMTP server the
mail is an .eml file in the data folder, as on a demo machine."""

from __future__ import annotations

import json
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_up, wait_for_screen
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a-brand-new-secret-42"


def mailed_link(server, to: str, kind: str, timeout: float = 15) -> str:
    """The link of the newest ``kind`` mail written for ``to``."""
    folder = Path(server.env["CITYLOOP_DATA_DIR"]) / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob(f"*-{kind}.eml"), reverse=True):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if to in message["To"]:
                text = message.get_body(("plain",)).get_content()
                return next(w for w in text.split() if w.startswith("http"))
        time.sleep(0.1)  # the mail job runs after the request's commit
    raise AssertionError(f"no {kind} mail for {to}")


def user_row(server, email: str) -> dict | None:
    items = server.admin.ok("GET", "/admin/users", params={"q": email})["items"]
    return items[0] if items else None


def test_the_mailed_link_confirms_the_address(page, context, server):
    me = sign_up(context)
    link = mailed_link(server, me["email"], "verify")
    assert link.startswith(f"{server.url}/verify?token=")
    page.goto(link)
    expect(page.get_by_test_id("verify-status")).to_have_text(
        "Thank you: your e-mail address is confirmed."
    )
    assert user_row(server, me["email"])["email_verified"] is True
    page.goto("/account")
    expect(page.get_by_test_id("email-status")).to_have_text("Your e-mail address is confirmed.")


def test_a_forgotten_password_is_reset_from_the_mailed_link(page, context, server):
    me = sign_up(context)
    context.clear_cookies()
    page.goto("/login")
    wait_for_screen(page)
    page.get_by_test_id("forgot-password").click()
    expect(page).to_have_url(f"{server.url}/reset-password")
    expect(page.locator("#main h1")).to_have_text("Reset password")  # not the sign-in form any more
    page.get_by_test_id("email").fill(me["email"])
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("reset-status")).to_contain_text("a link is on its way")
    page.goto(mailed_link(server, me["email"], "reset"))
    page.get_by_test_id("password").fill(NEW_PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("reset-status")).to_contain_text("Your password is changed.")
    body = {"email": me["email"], "password": NEW_PASSWORD}
    assert server.public.call("POST", "/auth/token", json=body).status_code == 200
    body["password"] = PASSWORD
    assert server.public.call("POST", "/auth/token", json=body).status_code == 401


def test_download_my_data_then_delete_my_account(page, context, server):
    me = sign_up(context, name="Dora Deleted")
    page.goto("/account")
    wait_for_screen(page)
    with page.expect_download() as download:
        page.get_by_test_id("export-data").click()
    archive = json.loads(Path(download.value.path()).read_text())
    assert archive["profile"]["email"] == me["email"]
    assert {"cases", "comments", "votes", "follows", "notifications", "devices"} <= set(archive)

    page.get_by_text("Delete my account").first.click()
    page.get_by_test_id("delete-password").fill(PASSWORD)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("delete-account").click()
    expect(page.get_by_test_id("go-sign-in")).to_be_visible()
    body = {"email": me["email"], "password": PASSWORD}
    assert server.public.call("POST", "/auth/token", json=body).status_code == 401
    deadline = time.monotonic() + 10
    while user_row(server, me["email"]) is not None:  # erased by the job
        assert time.monotonic() < deadline, "the account is still there"
        time.sleep(0.1)
