"""The admin console against a real server: each change made in it is read back through
the API (and is in the audit log); a resident gets "Not allowed"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_in, sign_up, unique, wait_for_screen
from tests.browser.support import ADMIN_EMAIL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_departments_are_created_and_edited_in_the_console(page, context, server):
    code = unique("parks").replace(" ", "").replace("-", "")
    sign_in(context, ADMIN_EMAIL)
    page.goto("/account")
    page.get_by_test_id("go-admin").click()
    wait_for_screen(page)
    page.get_by_test_id("new-dept-code").fill(code)
    page.get_by_test_id("new-dept-name").fill("Parks")
    page.get_by_test_id("new-dept-save").click()
    row = page.get_by_test_id(f"dept-{code}")
    expect(row).to_be_visible()
    assert server.admin.ok("GET", f"/departments/{code}")["name"] == "Parks"

    row.locator('input[name="names"]').fill("公园")
    row.locator('input[name="active"]').uncheck()
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"dept-{code}-save").click()
    assert saved.value.status == 200
    listed = server.admin.ok("GET", "/departments", params={"include_inactive": "true"})["items"]
    department = next(d for d in listed if d["code"] == code)
    assert department["names"] == {"zh-CN": "公园"} and department["active"] is False
    audit = server.admin.ok("GET", "/admin/audit", params={"target_type": "departments"})["items"]
    assert any(
        e["action"] == "department.changed" and e["after"].get("active") is False for e in audit
    )


def test_a_categorys_deadline_and_department_are_changed_in_the_console(page, context, server):
    code = unique("bench").replace(" ", "").replace("-", "")
    body = {"code": code, "name": "Broken bench", "department": "roads", "sla_hours": 72}
    server.admin.ok("POST", "/categories", expect=201, json=body)
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/categories")
    wait_for_screen(page)
    row = page.get_by_test_id(f"cat-{code}")
    page.get_by_test_id(f"cat-{code}-sla").fill("24")
    page.get_by_test_id(f"cat-{code}-department").select_option("lighting")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"cat-{code}-save").click()
    assert saved.value.status == 200
    category = server.admin.ok("GET", f"/categories/{code}")
    assert category["sla_hours"] == 24 and category["department"] == "lighting"


def test_a_resident_is_not_allowed_in(page, context, server):
    sign_up(context)
    page.goto("/admin")
    expect(page.get_by_text("Not allowed")).to_be_visible()
    page.goto("/account")
    wait_for_screen(page)
    expect(page.get_by_test_id("go-admin")).to_have_count(0)


def test_a_user_is_found_made_a_volunteer_and_blocked_in_the_console(page, context, server):
    person = server.admin.ok(
        "POST",
        "/admin/users",
        expect=201,
        json={
            "email": unique("pat").replace(" ", "-") + "@browser.test",
            "password": PASSWORD,
            "display_name": "Pat Person",
        },
    )
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/users")
    wait_for_screen(page)
    page.get_by_test_id("user-search").fill(person["email"])
    page.get_by_test_id("user-search-go").click()
    expect(page.locator('form[data-testid^="user-"]')).to_have_count(1)  # the search's answer
    page.get_by_test_id(f"user-{person['id']}-role").select_option("volunteer")
    page.get_by_test_id(f"user-{person['id']}-blocked").check()
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.get_by_test_id(f"user-{person['id']}-save").click()
    assert saved.value.status == 200
    account = server.admin.ok("GET", f"/admin/users/{person['id']}")
    assert account["role"] == "volunteer" and account["blocked"] is True

    page.goto("/admin/audit")
    expect(page.get_by_test_id("audit-list")).to_contain_text("user.changed")
