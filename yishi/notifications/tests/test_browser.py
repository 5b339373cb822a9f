"""Browser journey of the inbox: the header's unread badge goes away once everything is marked read."""

import pytest
from playwright.sync_api import expect

from yishi.core.tests.factories import user_with_role
from yishi.notifications.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unread_badge_disappears_after_mark_all_read(page, live_server, tree):
    alice = user_with_role("resident", tree.community, username="13809511234")
    notify(recipients=[alice], title="议题「拆除楼道煤房子」征求意见", url="/notices/")
    notify(recipients=[alice], title="您的诉求已受理")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "13809511234")
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("2")

    page.locator(".topnav .inbox-link").click()
    expect(page.get_by_test_id("notification")).to_have_count(2)
    expect(page.get_by_test_id("inbox")).to_contain_text("您的诉求已受理")

    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    expect(page.locator("[data-testid=notification][data-read='1']")).to_have_count(2)

    page.reload()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    expect(page.get_by_test_id("mark-all-read")).to_have_count(0)
