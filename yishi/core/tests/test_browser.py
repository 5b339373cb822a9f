"""Browser journeys of the shell: language switch, large-text mode, and scope seen as a 404."""

import re

import pytest
from playwright.sync_api import expect

from yishi.core.tests.factories import PersonFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username, password="yishi-demo"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_language_switch_turns_the_portal_english_and_back(page, live_server):
    page.goto(live_server.url + "/")
    expect(page.locator(".brand")).to_have_text("议事厅")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".brand")).to_have_text("yishi")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_large_text_mode_is_remembered_for_the_user(page, live_server, tree):
    user_with_role("resident", tree.community, username="13900000001")
    login(page, live_server, "13900000001")
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    page.get_by_test_id("elder-toggle").click()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") != size
    # A new browser context (another phone) logging in as the same user gets the same mode.
    other = page.context.browser.new_context(locale="zh-CN")
    second = other.new_page()
    login(second, live_server, "13900000001")
    expect(second.locator("html")).to_have_class(re.compile("large-text"))
    other.close()


def test_staff_gets_404_on_a_sibling_communitys_record(page, live_server, tree):
    user_with_role("community_staff", tree.community, username="yuxi-staff")
    mine, theirs = PersonFactory(home_area=tree.community), PersonFactory(home_area=tree.sibling)
    login(page, live_server, "yuxi-staff")
    response = page.goto(f"{live_server.url}/accounts/people/{mine.pk}/")
    assert response.status == 200
    expect(page.locator("main")).to_contain_text(mine.name)
    response = page.goto(f"{live_server.url}/accounts/people/{theirs.pk}/")
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(theirs.name)
    response = page.goto(f"{live_server.url}/areas/{tree.sibling.pk}/")
    assert response.status == 404
