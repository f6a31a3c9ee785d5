"""Screenshots of the admin console and of the account's own data, for the README.

Written to ``docs/screenshots/`` only with ``CITYLOOP_SCREENSHOTS=1`` (see test_screenshots.py).
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_in, sign_up, wait_for_screen
from tests.browser.support import ADMIN_EMAIL
from tests.browser.test_screenshots import SHOTS
from tests.browser.test_staff_screenshots import shoot

pytestmark = pytest.mark.browser


def test_screenshots_of_the_admin_console_and_my_data(make_context, server):
    directory = SHOTS if os.environ.get("CITYLOOP_SCREENSHOTS") == "1" else None
    admin = make_context(reduced_motion="reduce")
    sign_in(admin, ADMIN_EMAIL)
    page = admin.new_page()
    page.goto("/admin/users")
    wait_for_screen(page)
    expect(page.locator('form[data-testid^="user-"]').first).to_be_visible()
    shoot(page, "admin-users", directory)
    page.goto("/admin/categories")
    row = page.get_by_test_id("cat-pothole")
    row.get_by_test_id("cat-pothole-questions").locator("summary").click()
    expect(row.get_by_test_id("question").first).to_be_visible()
    shoot(page, "admin-categories", directory, top=row.get_by_test_id("cat-pothole-questions"))
    page.goto("/admin/settings")
    expect(page.get_by_test_id("setting-row-reopen_days")).to_be_visible()
    shoot(page, "admin-settings", directory)
    page.goto("/admin/audit")
    expect(page.get_by_test_id("audit-list")).to_be_visible()
    shoot(page, "admin-audit", directory)

    resident = make_context(reduced_motion="reduce")
    sign_up(resident, name="Mei Lin")
    mine = resident.new_page()
    mine.goto("/account#email")
    wait_for_screen(mine)
    expect(mine.get_by_test_id("pref-case_update")).to_be_visible()  # the last to render
    shoot(mine, "account-data", directory, top=mine.get_by_test_id("email-status"))
