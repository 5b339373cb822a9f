"""A council-style meeting in headless Chromium: staff start it and sign one member in, a member scans the QR
code's page and signs in with the code, the vote opens with quorum, staff record one named vote, the member
casts their own ballot, the vote closes with the tally, the minutes are recorded and printed."""

import pytest

from yishi.meetings.models import Meeting, Participant
from yishi.meetings.tests.conftest import member_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    assert "/accounts/login/" not in page.url


def test_meeting_with_sign_in_quorum_vote_and_minutes(page, live_server, make_meeting, staff):
    meeting = make_meeting(members=2, start=False, present=0, quorum="majority", threshold="majority_present")
    first, second = Participant.objects.filter(meeting=meeting).order_by("pk")
    member = member_user(second, username="gezhaozhong")
    detail = f"{live_server.url}/meetings/{meeting.pk}/"

    log_in(page, live_server, staff)
    page.goto(detail)
    qr = page.get_by_test_id("sign-in-qr")
    assert qr.get_attribute("data-url").endswith(f"/meetings/{meeting.pk}/sign-in/")
    code = page.get_by_test_id("sign-in-code").inner_text().strip()
    page.get_by_test_id("start").click()
    assert page.get_by_test_id("meeting-status").get_attribute("data-status") == "in_session"
    page.get_by_test_id("open-vote").click()  # nobody signed in yet: refused, with the reason
    assert "法定人数" in page.get_by_test_id("action-errors").inner_text()
    page.locator(f"[data-testid=participant][data-pk='{first.pk}'] [data-testid=sign-in-participant]").click()
    assert page.get_by_test_id("quorum").get_attribute("data-present") == "1"

    log_in(page, live_server, member)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/sign-in/")  # where the QR code leads
    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.get_by_test_id("code-submit").click()
    assert "签到码不正确" in page.content()
    page.fill("input[name=code]", code)
    page.get_by_test_id("code-submit").click()
    assert page.get_by_test_id("quorum").get_attribute("data-has-quorum") == "1"

    log_in(page, live_server, staff)
    page.goto(detail)
    page.get_by_test_id("open-vote").click()
    form = page.get_by_test_id("record-vote-form")
    form.locator("select").select_option(str(first.pk))
    form.locator("input[value=for]").check()
    form.get_by_test_id("record-vote").click()

    log_in(page, live_server, member)
    page.goto(detail)
    ballot = page.get_by_test_id("ballot-form")
    ballot.locator("input[value=for]").check()
    ballot.get_by_test_id("ballot-submit").click()
    assert page.get_by_test_id("ballot-form").count() == 0

    log_in(page, live_server, staff)
    page.goto(detail)
    page.get_by_test_id("close-vote").click()
    assert page.get_by_test_id("vote-result").inner_text() == "通过"
    assert "同意 2" in page.get_by_test_id("tally").inner_text()
    page.fill("textarea[name=record-minutes]", "同意拆除33个楼道煤房子，约200平方米。")
    page.fill("textarea[name=record-outcome]", "议题通过，转入落实。")
    page.get_by_test_id("record").click()
    assert Meeting.objects.get(pk=meeting.pk).status == "held"
    page.get_by_test_id("print-minutes").click()
    assert "同意拆除33个楼道煤房子" in page.get_by_test_id("print-minutes").inner_text()
    assert "同意 2，反对 0，弃权 0" in page.get_by_test_id("print-votes").inner_text()
