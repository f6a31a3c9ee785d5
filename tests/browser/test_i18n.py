"""English and Simplified Chinese: chosen from the browser, switchable, and kept."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, wait_for_screen
from tests.helpers import ROOT

pytestmark = pytest.mark.browser

CATALOGUES = ROOT / "pwa" / "src" / "i18n"
EN = json.loads((CATALOGUES / "en.json").read_text(encoding="utf-8"))
ZH = json.loads((CATALOGUES / "zh-CN.json").read_text(encoding="utf-8"))
HAN = re.compile(r"[\u4e00-\u9fff]")
TABS = {"nav-home": "nav.home", "nav-my": "nav.my", "nav-report": "nav.report"}


def assert_language(page, lang: str, catalogue: dict, heading_key: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#main h1")).to_have_text(catalogue[heading_key])
    for testid, key in TABS.items():
        expect(page.get_by_test_id(testid).locator(".tab-label")).to_have_text(catalogue[key])


def test_switch_to_chinese_and_back(page):
    assert all(HAN.search(ZH[key]) for key in [*TABS.values(), "home.title"]), "not Chinese"
    page.goto("/account")
    wait_for_screen(page)
    assert_language(page, "en", EN, "account.title")

    page.get_by_test_id("language").select_option("zh-CN")
    assert_language(page, "zh-CN", ZH, "account.title")
    expect(page.locator("#main")).not_to_contain_text(EN["account.welcomeTitle"])
    expect(page.locator("#main")).to_contain_text(ZH["account.welcomeTitle"])

    # The choice is kept: a new page load of another screen is in Chinese too.
    page.goto("/")
    wait_for_screen(page)
    assert_language(page, "zh-CN", ZH, "home.title")

    page.goto("/account")
    page.get_by_test_id("language").select_option("en")
    assert_language(page, "en", EN, "account.title")


def test_a_chinese_browser_gets_chinese_on_its_first_visit(make_context, server):
    case = file_case(server, category="pothole")
    page = make_context(locale="zh-CN").new_page()
    page.goto("/")
    wait_for_screen(page)
    assert_language(page, "zh-CN", ZH, "home.title")

    # Categories and departments by their Chinese names, as the API gives them (`names`).
    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#main h1")).to_have_text("路面坑洼")
    expect(page.get_by_test_id("case-summary")).to_contain_text("路面坑洼 · 道路与人行道")
    page.goto("/report")
    expect(page.locator("label[for] .option-name").first).to_be_visible()
    expect(page.get_by_test_id("category-list")).to_contain_text("路灯不亮")
    page.get_by_test_id("category-search").fill("路灯")
    expect(page.get_by_test_id("category-list").locator("li")).to_have_count(1)
