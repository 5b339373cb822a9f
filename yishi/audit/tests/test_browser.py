"""Browser journey: an auditor opens the audit list, filters it by verb and date, and pages back."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from yishi.areas.services import area_update
from yishi.audit import selectors
from yishi.core.tests.factories import user_with_role

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


def test_auditor_filters_and_pages_the_audit_list(page, live_server, tree, admin_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    area_update(actor=admin_user, area=tree.grid, name="裕西第一网格")
    auditor = user_with_role("auditor", tree.district, username="litong-auditor")
    log_in(page, live_server, auditor)

    page.goto(f"{live_server.url}/audit/")
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(5)
    assert rows.first.get_attribute("data-seq") == "8"
    page.get_by_test_id("audit-next").click()
    page.wait_for_url("**/audit/?before=4")
    expect(page.get_by_test_id("audit-row")).to_have_count(3)
    assert [r.get_attribute("data-seq") for r in page.get_by_test_id("audit-row").all()] == ["3", "2", "1"]

    page.goto(f"{live_server.url}/audit/")
    page.select_option("select[name=verb]", "area.update")
    page.get_by_test_id("audit-filter-submit").click()
    page.wait_for_url("**verb=area.update**")
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    assert "修改区域" in rows.first.inner_text()
    assert "第一网格 → 裕西第一网格" in rows.first.inner_text()

    page.fill("input[name=date_from]", "2030-01-02")
    page.fill("input[name=date_to]", "2030-01-01")
    page.get_by_test_id("audit-filter-submit").click()
    expect(page.get_by_test_id("error-date_to")).to_contain_text("截止日期不能早于起始日期")
