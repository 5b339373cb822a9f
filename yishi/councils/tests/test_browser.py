"""THE whole cycle of a council topic in a browser: propose → scope check → publish → opinions online and from
the paper box → research → meeting with sign-in and quorum → vote → tasks → progress with evidence → results
published with targets and actuals on the public board."""

import pytest
from playwright.sync_api import expect

from yishi.accounts.models import User
from yishi.core.tests.factories import UnitFactory, user_with_role
from yishi.councils import services
from yishi.councils.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()


def test_whole_cycle(page, live_server, tree, tmp_path):
    secretary = user_with_role("party_secretary", tree.community, username="limengqi")
    council = services.council_create(
        actor=secretary, area=tree.community, name="裕西社区党员民情议事会", chair=secretary.person
    )
    member = user_with_role("party_member", tree.community, username="gezhaozhong")
    services.council_member_add(actor=secretary, council=council, person=member.person, group="第一居民小组")
    other = user_with_role("party_member", tree.community, username="danghaifeng")
    services.council_member_add(actor=secretary, council=council, person=other.person, group="第二居民小组")
    user_with_role("resident", tree.community, username="resident")
    UnitFactory(area=tree.community, name="裕西社区居民委员会", kind="committee")
    base = live_server.url

    # propose (a resident, through the public form)
    login(page, live_server, "resident")
    page.goto(f"{base}/councils/{council.pk}/")
    page.get_by_test_id("propose-link").click()
    page.fill("input[name=title]", "拆除私搭乱建煤房子")
    page.fill("textarea[name=description]", "结合老旧小区改造拆除煤房子和土车库")
    page.get_by_test_id("propose-submit").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("已提议待审查")
    topic = Topic.objects.get()
    topic_url = f"{base}/councils/topics/{topic.pk}/"

    # scope check and publication (staff)
    login(page, live_server, "limengqi")
    page.goto(topic_url)
    form = page.get_by_test_id("form-scope_check")
    form.locator("select[name=in_scope]").select_option("1")
    form.locator("select[name=scope_item]").select_option(label="老旧小区改造")
    page.get_by_test_id("do-scope_check").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("已立项待公示")
    page.get_by_test_id("do-publish").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("公示征求意见中")

    # an opinion online (a resident)
    login(page, live_server, "resident")
    page.goto(topic_url)
    page.get_by_test_id("opinion-form").locator("textarea[name=text]").fill("支持拆除，注意安全")
    page.get_by_test_id("opinion-submit").click()
    expect(page.get_by_test_id("opinion")).to_have_count(1)

    # a paper opinion typed in, research of both, opinions closed (staff)
    login(page, live_server, "limengqi")
    page.goto(topic_url)
    page.get_by_text("录入纸质意见（意见征集箱）").click()
    paper = page.get_by_test_id("paper-form")
    paper.locator("input[name=author_name]").fill("古城巷居民")
    paper.locator("textarea[name=text]").fill("建议建阳光停车棚")
    paper.locator("button[type=submit]").click()
    expect(page.get_by_test_id("opinion")).to_have_count(2)
    for done in range(2):
        page.get_by_text("记录调研").first.click()
        research = page.get_by_test_id("research-form").first
        research.locator("input[name=method]").fill("入户走访")
        research.locator("textarea[name=finding]").fill("群众支持，可行")
        research.locator("select[name=conclusion]").select_option("adopt")
        research.locator("textarea[name=reason]").fill("符合改造方案")
        research.locator("button[type=submit]").click()
        # Wait for the answer (an htmx swap or a redirect) before leaving the page, or the POST is cut off.
        expect(page.get_by_test_id("research")).to_have_count(done + 1)
        page.goto(topic_url)
    expect(page.get_by_test_id("research")).to_have_count(2)
    # the opinion period still runs: closing it now is refused, unless ended early with a reason
    page.get_by_test_id("do-close_opinions").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("公示征求意见中")
    closing = page.get_by_test_id("form-close_opinions")
    expect(closing).to_contain_text("截止后才能结束征求意见")
    closing.locator("input[name=early]").check()
    closing.locator("textarea[name=reason]").fill("意见已充分征集，调研完毕")
    page.get_by_test_id("do-close_opinions").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("待上会")

    # the meeting: scheduled, topic on the agenda, started, sign-in by staff and by code, quorum
    page.goto(f"{base}/councils/{council.pk}/")
    adhoc = page.get_by_test_id("adhoc-form")
    adhoc.locator("input[name=title]").fill("2026年第四季度议事会")
    adhoc.locator("input[name=scheduled_at]").fill("2026-12-20T15:00")
    page.get_by_test_id("schedule-adhoc").click()
    meeting_url = page.url
    page.goto(topic_url)
    page.get_by_test_id("form-schedule").locator("select[name=meeting]").select_option(index=1)
    page.get_by_test_id("do-schedule").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("已列入议程")
    page.goto(meeting_url)
    page.get_by_test_id("meeting-start").click()
    expect(page.get_by_test_id("no-quorum")).to_be_visible()
    page.locator(f"[data-testid=staff-sign-in][data-name='{secretary.person.name}']").click()
    code = page.get_by_test_id("sign-in-code").inner_text()

    login(page, live_server, "gezhaozhong")
    page.goto(meeting_url)
    page.locator("input[name=code]").fill(code)
    page.get_by_test_id("code-sign-in").click()
    expect(page.get_by_test_id("has-quorum")).to_be_visible()

    # the vote: opened by staff, the member votes for themself, staff records the chair's named vote
    login(page, live_server, "limengqi")
    page.goto(topic_url)
    page.get_by_test_id("do-open_vote").click()
    login(page, live_server, "gezhaozhong")
    page.goto(meeting_url)
    page.get_by_test_id("cast-choice").select_option("for")
    page.get_by_test_id("cast-submit").click()
    expect(page.get_by_test_id("vote-open")).to_contain_text("1")
    login(page, live_server, "limengqi")
    page.goto(meeting_url)
    page.get_by_test_id("ballot-choice").select_option("for")
    page.get_by_test_id("ballot-submit").click()
    page.get_by_test_id("close-vote").click()
    expect(page.get_by_test_id("vote-closed")).to_contain_text("通过")
    page.goto(topic_url)
    page.get_by_test_id("do-record_vote").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("表决通过")

    # tasks
    tasks = page.get_by_test_id("form-start_followup")
    tasks.locator("input[name=title_0]").fill("拆除煤房子")
    tasks.locator("select[name=owner_unit_0]").select_option(label="裕西社区居民委员会")
    tasks.locator("input[name=working_days_0]").fill("5")
    tasks.locator("input[name=measure_0]").fill("㎡")
    tasks.locator("input[name=target_value_0]").fill("200")
    page.get_by_test_id("do-start_followup").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("落实中")

    # progress with evidence
    page.get_by_test_id("followups").get_by_role("link", name="拆除煤房子").click()
    evidence = tmp_path / "现场照片.txt"
    evidence.write_text("拆除前后对比", encoding="utf-8")
    report = page.get_by_test_id("report-form")
    report.locator("input[name=progress]").fill("100")
    report.locator("input[name=actual_value]").fill("200")
    report.locator("textarea[name=note]").fill("33个楼道煤房子已全部拆除")
    report.locator("input[name=files]").set_input_files(str(evidence))
    page.get_by_test_id("report-submit").click()
    expect(page.get_by_test_id("evidence")).to_have_count(1)

    # results published
    page.goto(topic_url)
    page.get_by_test_id("form-complete").locator("textarea[name=summary]").fill("煤房子拆除完成，道路整洁")
    page.get_by_test_id("do-complete").click()
    expect(page.get_by_test_id("topic-status")).to_have_text("已办结")

    page.context.clear_cookies()
    page.goto(f"{base}/notices/board/{tree.community.pk}/")
    page.get_by_text("议事结果公示").first.click()
    expect(page.get_by_test_id("notice-body")).to_contain_text("目标 200 ㎡，实际 200 ㎡")
    assert User.objects.filter(username="resident").exists()
