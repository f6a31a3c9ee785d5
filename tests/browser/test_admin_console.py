"""The admin console against a real server: each change made in it is read back through
the API (and is in the audit log); a resident gets "Not allowed"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, make_account, sign_in, sign_up, unique, wait_for_screen
from tests.browser.support import ADMIN_EMAIL
from tests.browser.test_a11y import axe_violations
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


def _find_user(page, email: str) -> None:
    page.goto("/admin/users")
    wait_for_screen(page)
    page.get_by_test_id("user-search").fill(email)
    page.get_by_test_id("user-search-go").click()
    expect(page.locator('form[data-testid^="user-"]')).to_have_count(1)


def test_staff_memberships_heads_and_sign_out_everywhere_in_the_console(page, context, server):
    email = unique("clerk").replace(" ", "-") + "@browser.test"
    body = {"email": email, "password": PASSWORD, "display_name": "Clerk Kim", "role": "staff",
            "departments": ["roads"]}  # fmt: skip
    person = server.admin.ok("POST", "/admin/users", expect=201, json=body)
    phone = server.public.login(email)
    assert phone.call("GET", "/me").status_code == 200
    sign_in(context, ADMIN_EMAIL)
    _find_user(page, email)
    uid = person["id"]
    assert axe_violations(page) == []
    page.get_by_test_id(f"user-{uid}-head-lighting").check()  # a head is a member too
    page.get_by_test_id(f"user-{uid}-dept-roads").uncheck()
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.get_by_test_id(f"user-{uid}-save").click()
    assert saved.value.status == 200
    account = server.admin.ok("GET", f"/admin/users/{uid}")
    assert [(d["code"], d["is_head"]) for d in account["departments"]] == [("lighting", True)]
    assert phone.call("GET", "/me").status_code == 401  # losing a department ends sessions

    phone = server.public.login(email)
    _find_user(page, email)
    page.get_by_test_id(f"user-{uid}-sign-out").click()
    expect(page.locator(".toast")).to_contain_text("signed out on every device")
    assert phone.call("GET", "/me").status_code == 401
    audit = server.admin.ok("GET", "/admin/audit", params={"target_type": "user"})["items"]
    assert any(e["action"] == "user.signed_out" and e["target_id"] == str(uid) for e in audit)


def test_an_api_key_is_shown_once_trusted_and_revoked_in_the_console(page, context, server):
    name = unique("Street-light vendor")
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/keys")
    wait_for_screen(page)
    page.get_by_test_id("new-key-name").fill(name)
    page.get_by_test_id("new-key-save").click()
    secret = page.get_by_test_id("new-key-value").inner_text()
    assert axe_violations(page) == []
    listed = server.admin.ok("GET", "/admin/apikeys", params={"per_page": 100})["items"]
    key = next(k for k in listed if k["name"] == name)
    assert secret.startswith(key["prefix"]) and key["trusted"] is False

    row = page.get_by_test_id(f"key-{key['id']}")
    row.get_by_test_id(f"key-{key['id']}-trusted").check()
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"key-{key['id']}-save").click()
    assert saved.value.status == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"key-{key['id']}-revoke").click()
    expect(page.get_by_test_id(f"key-{key['id']}-revoked")).to_be_visible()
    listed = server.admin.ok("GET", "/admin/apikeys", params={"per_page": 100})["items"]
    key = next(k for k in listed if k["id"] == key["id"])
    assert key["trusted"] is True and key["revoked_at"] is not None


def test_a_categorys_questions_escalation_and_templates_in_the_console(page, context, server):
    code = unique("hydrant").replace(" ", "").replace("-", "")
    body = {"code": code, "name": "Leaking hydrant", "department": "roads", "sla_hours": 48}
    server.admin.ok("POST", "/categories", expect=201, json=body)
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/categories")
    wait_for_screen(page)
    row = page.get_by_test_id(f"cat-{code}")
    row.get_by_test_id(f"cat-{code}-escalation").fill("6")
    row.get_by_test_id(f"cat-{code}-recurring-count").fill("3")
    row.get_by_test_id(f"cat-{code}-recurring-days").fill("7")
    row.get_by_test_id(f"cat-{code}-notice").fill("Water everywhere? Call 12345 first.")
    row.get_by_test_id(f"cat-{code}-notice-zh").fill("到处是水？请先拨打 12345。")
    row.get_by_test_id(f"cat-{code}-notice-stops").check()
    row.get_by_test_id(f"cat-{code}-questions").locator("summary").click()
    row.get_by_test_id(f"cat-{code}-add-question").click()
    row.get_by_test_id("q-0-code").fill("flow")
    row.get_by_test_id("q-0-description").fill("How much water?")
    row.get_by_test_id("q-0-datatype").select_option("singlevaluelist")
    row.get_by_test_id("q-0-values").fill("drip: A drip\ngush: A gush")
    row.get_by_test_id("q-0-required").check()
    row.get_by_test_id(f"cat-{code}-add-question").click()
    row.get_by_test_id("q-1-code").fill("since")
    row.get_by_test_id("q-1-description").fill("Since when?")
    row.get_by_test_id("q-1-datatype").select_option("datetime")
    assert axe_violations(page) == []  # the question editor, open
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"cat-{code}-save").click()
    assert saved.value.status == 200
    category = server.admin.ok("GET", f"/categories/{code}")
    assert (category["admin_escalation_hours"], category["recurring_count"]) == (6, 3)
    assert category["recurring_days"] == 7
    assert category["notice"] == "Water everywhere? Call 12345 first."
    assert category["notices"] == {"zh-CN": "到处是水？请先拨打 12345。"}
    assert category["notice_stops"] is True
    assert [
        (a["code"], a["datatype"], a["required"], a["order"]) for a in category["attributes"]
    ] == [
        ("flow", "singlevaluelist", True, 0),
        ("since", "datetime", False, 1),
    ]
    assert category["attributes"][0]["values"] == [
        {"key": "drip", "name": "A drip"},
        {"key": "gush", "name": "A gush"},
    ]

    templates = page.get_by_test_id(f"cat-{code}-templates")
    templates.locator("summary").click()
    templates.get_by_test_id(f"cat-{code}-new-tpl-title").fill("Crew on the way")
    templates.get_by_test_id(f"cat-{code}-new-tpl-body").fill("A crew will close the valve today.")
    templates.get_by_test_id(f"cat-{code}-new-tpl-save").click()
    expect(templates.locator('form[data-testid^="tpl-"]')).to_have_count(1)
    made = server.admin.ok("GET", f"/categories/{code}/templates")["items"]
    assert [(t["title"], t["body"]) for t in made] == [
        ("Crew on the way", "A crew will close the valve today.")
    ]
    page.once("dialog", lambda dialog: dialog.accept())
    templates.get_by_test_id(f"tpl-{made[0]['id']}-delete").click()
    expect(templates.get_by_test_id(f"tpl-{made[0]['id']}")).to_have_count(0)
    assert server.admin.ok("GET", f"/categories/{code}/templates")["items"] == []


def test_proposal_topics_are_added_renamed_and_retired_in_the_console(page, context, server):
    code = unique("trees").replace(" ", "").replace("-", "")[:30]
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/topics")
    wait_for_screen(page)
    page.get_by_test_id("new-topic-code").fill(code)
    page.get_by_test_id("new-topic-name").fill("Street trees")
    page.get_by_test_id("new-topic-name-zh").fill("行道树")
    page.get_by_test_id("new-topic-save").click()
    row = page.get_by_test_id(f"topic-{code}")
    expect(row).to_be_visible()
    public = server.public.ok("GET", "/proposals/topics")["items"]
    assert {"code": code, "name": "Street trees", "names": {"zh-CN": "行道树"}}.items() <= next(
        t for t in public if t["code"] == code
    ).items()

    row.get_by_test_id(f"topic-{code}-position").fill("7")
    row.get_by_test_id(f"topic-{code}-active").uncheck()
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"topic-{code}-save").click()
    assert saved.value.status == 200
    assert code not in {t["code"] for t in server.public.ok("GET", "/proposals/topics")["items"]}
    every = server.admin.ok("GET", "/proposals/topics", params={"include_inactive": "true"})
    topic = next(t for t in every["items"] if t["code"] == code)
    assert (topic["position"], topic["active"]) == (7, False)


def test_settings_changed_while_running_hold_at_once(page, context, make_context, server):
    sign_in(context, ADMIN_EMAIL)
    page.goto("/admin/settings")
    wait_for_screen(page)
    try:
        page.get_by_test_id("setting-proposal_review").check()
        with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
            page.get_by_test_id("setting-row-proposal_review-save").click()
        assert saved.value.status == 200
        changed = "Changed here; the configuration says"
        expect(page.get_by_test_id("setting-proposal_review-source")).to_contain_text(changed)
        row = page.get_by_test_id("setting-row-reopen_days")
        row.get_by_test_id("setting-reopen_days").fill("10")
        row.get_by_test_id("setting-row-reopen_days-save").click()
        expect(page.get_by_test_id("setting-reopen_days-source")).to_contain_text(changed)
        stored = {s["name"]: s for s in server.admin.ok("GET", "/admin/settings")["items"]}
        assert (stored["proposal_review"]["value"], stored["reopen_days"]["value"]) == (True, 10)

        writer = make_context()
        sign_up(writer)
        title = unique("Benches by the canal")
        made = api_in(writer, "POST", "/proposals", {"title": title, "body": "To rest."}, 201)
        assert made["status"] == "pending"  # held for review from the next request on

        page.get_by_test_id("setting-proposal_review-reset").click()
        expect(page.get_by_test_id("setting-proposal_review-source")).to_have_text("As configured.")
        stored = {s["name"]: s for s in server.admin.ok("GET", "/admin/settings")["items"]}
        assert stored["proposal_review"]["changed"] is False
    finally:  # the server is shared with the other tests
        body = {"proposal_review": None, "reopen_days": None}
        server.admin.ok("PATCH", "/admin/settings", json=body)


def test_a_department_head_runs_only_their_own_department(page, context, server):
    code = unique("kerb").replace(" ", "").replace("-", "")
    body = {"code": code, "name": "Broken kerb", "department": "roads", "sla_hours": 96}
    server.admin.ok("POST", "/categories", expect=201, json=body)
    email = make_account(server, "staff", ("roads",))
    person = server.admin.ok("GET", "/admin/users", params={"q": email})["items"][0]
    heads = {"departments": ["roads"], "head_of": ["roads"]}
    server.admin.ok("PATCH", f"/admin/users/{person['id']}", json=heads)
    sign_in(context, email)
    page.goto("/account")
    page.get_by_test_id("go-admin").click()
    wait_for_screen(page)
    expect(page.get_by_test_id("dept-roads")).to_be_visible()
    expect(page.locator('form[data-testid^="dept-"]')).to_have_count(1)  # theirs only
    expect(page.get_by_test_id("new-dept")).to_have_count(0)
    expect(page.get_by_test_id("admin-users")).to_have_count(0)

    page.get_by_test_id("admin-categories").click()
    row = page.get_by_test_id(f"cat-{code}")
    expect(row).to_be_visible()
    expect(page.get_by_test_id("cat-streetlight")).to_have_count(0)  # lighting's, not theirs
    expect(row.get_by_test_id(f"cat-{code}-department")).to_be_disabled()  # routing: admins
    row.get_by_test_id(f"cat-{code}-sla").fill("48")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        row.get_by_test_id(f"cat-{code}-save").click()
    assert saved.value.status == 200
    assert server.admin.ok("GET", f"/categories/{code}")["sla_hours"] == 48

    # Another department is refused by the server too, whatever a client sends.
    refused = api_in(context, "PATCH", "/categories/streetlight", {"sla_hours": 1}, expect=403)
    assert refused["error"]["code"] == "forbidden"
    page.goto("/admin/users")
    expect(page.get_by_text("Not allowed")).to_be_visible()


def test_staff_who_head_nothing_are_not_allowed_in(page, context, server):
    sign_in(context, make_account(server, "staff", ("roads",)))
    page.goto("/admin")
    expect(page.get_by_text("Not allowed")).to_be_visible()
    page.goto("/account")
    wait_for_screen(page)
    expect(page.get_by_test_id("go-admin")).to_have_count(0)
