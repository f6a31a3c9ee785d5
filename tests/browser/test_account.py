"""Create an account, sign out and sign in again, in the phone's browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import make_account, unique, wait_for_screen
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_register_sign_out_and_sign_in(page, server):
    email = unique("new").replace(" ", "-") + "@browser.test"
    page.goto("/account")
    wait_for_screen(page)
    page.get_by_test_id("go-register").click()
    expect(page).to_have_url(f"{server.url}/register")

    # An empty form is refused in place, next to the fields.
    page.get_by_test_id("submit").click()
    expect(page.locator('[data-testid="email"][aria-invalid="true"]')).to_be_visible()

    page.get_by_test_id("display-name").fill("Mei")
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.get_by_test_id("nav-notifications")).to_be_visible()  # only when signed in

    page.get_by_test_id("nav-account").click()
    expect(page.get_by_test_id("account-email")).to_have_text(email)
    assert server.admin.ok("GET", "/admin/users", params={"q": email})["total"] == 1

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("go-sign-in")).to_be_visible()
    expect(page.get_by_test_id("nav-notifications")).to_be_hidden()

    page.get_by_test_id("go-sign-in").click()
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill("not-the-password")
    page.get_by_test_id("submit").click()
    expect(page.locator("form .form-error")).to_have_text("Wrong e-mail or password.")
    expect(page).to_have_url(f"{server.url}/login")

    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(f"{server.url}/")
    page.get_by_test_id("nav-account").click()
    expect(page.get_by_test_id("account-email")).to_have_text(email)


@pytest.mark.parametrize(
    ("role", "departments", "landing"),
    [("staff", ("roads",), "/staff"), ("volunteer", (), "/moderation"), ("resident", (), "/")],
)
def test_signing_in_lands_on_the_persons_working_screen(page, server, role, departments, landing):
    email = make_account(server, role, departments)
    page.goto("/login")
    wait_for_screen(page)
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(f"{server.url}{landing}")
    me = page.evaluate("fetch('/api/v1/me').then((r) => r.json())")
    assert me["email"] == email and me["role"] == role


def test_a_page_that_asked_for_sign_in_wins_over_the_desk(page, server):
    email = make_account(server, "staff", ("roads",))
    page.goto("/login?next=/proposals")
    wait_for_screen(page)
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(f"{server.url}/proposals")
