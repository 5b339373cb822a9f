"""User journeys of the notice board in headless Chromium."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from yishi.core.tests.factories import user_with_role

from .helpers import ID_MASKED, NAME, NAME_MASKED, PHONE, PHONE_MASKED, ge_zhaozhong, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    """Through the real login page when it is there; else with a session made as ``force_login`` would."""
    response = page.goto(f"{live_server.url}/accounts/login/")
    if response and response.ok and page.locator("input[name=username]").count():
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "yishi-demo")
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        return
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "yishi.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )


def test_staff_publishes_and_a_visitor_sees_it_masked(page, live_server, tree, browser):
    staff = user_with_role("community_staff", tree.community, username="yuxi-staff")
    ge_zhaozhong(tree.building)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/notices/new/")
    page.select_option("select[name=area]", label="裕西社区")
    page.select_option("select[name=kind]", value="council_result")
    page.fill("input[name=title]", "拆除楼道煤房子议事结果")
    page.fill("textarea[name=body]", f"{NAME}提议拆除煤房子，联系电话{PHONE}，身份证640302199001011234。")
    preview = page.get_by_test_id("notice-preview")
    preview.get_by_text(PHONE_MASKED, exact=False).wait_for()
    assert NAME_MASKED in preview.inner_text() and PHONE not in preview.inner_text()
    page.get_by_test_id("notice-submit").click()
    page.get_by_test_id("notice-title").wait_for()

    visitor = browser.new_context(locale="zh-CN")
    anon = visitor.new_page()
    anon.goto(f"{live_server.url}/notices/board/{tree.community.pk}/")
    text = anon.get_by_test_id("board-notices").inner_text()
    assert "拆除楼道煤房子议事结果" in text
    assert NAME_MASKED in text and PHONE_MASKED in text and ID_MASKED in text
    assert NAME not in anon.content() and PHONE not in anon.content()
    anon.get_by_text("拆除楼道煤房子议事结果").click()
    body = anon.get_by_test_id("notice-body").inner_text()
    assert NAME_MASKED in body and PHONE_MASKED in body
    visitor.close()


def test_print_page_shows_two_qr_codes(page, live_server, tree):
    staff = user_with_role("community_staff", tree.community, username="yuxi-staff")
    notice = publish(staff, tree.community, title="接待排班", body="每周三上午代表接待。")
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    page.get_by_test_id("print-link").click()
    page.get_by_test_id("print-title").wait_for()
    assert page.locator("svg").count() == 2
    assert (
        page.get_by_test_id("qr-notice").get_attribute("data-url")
        == f"{live_server.url}/notices/{notice.pk}/"
    )
    assert (
        page.get_by_test_id("qr-opinion-box")
        .get_attribute("data-url")
        .endswith(f"/cases/box/{tree.community.pk}/")
    )
    assert page.locator("svg").first.bounding_box()["width"] > 50
