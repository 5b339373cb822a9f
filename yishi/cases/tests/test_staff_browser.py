"""Staff journeys through the case pages in headless Chromium: every handling mode end to end."""

import datetime as dt

import pytest
from django.utils import timezone

from yishi.cases import services
from yishi.cases.models import Case, CasePart, CaseStep, RatingValue, Step
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import UnitFactory, user_with_role
from yishi.workdays.calendar import add_working_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(tree, staff):
    """The area tree, its dispatchers and two street departments. (A transactional test starts from a flushed
    database, without the default deadline rows: the steps fall back to ``cases.deadlines.DEFAULTS``.)"""

    class W:
        pass

    x = W()
    x.tree, x.staff = tree, staff
    x.category = CategoryFactory(key="parking", name="停车管理")
    x.city = UnitFactory(area=tree.street, name="城市管理局")
    x.traffic = UnitFactory(area=tree.street, name="交警大队")
    x.street = user_with_role("street_staff", tree.street, username="street")
    x.city_user = user_with_role("department_staff", tree.street, unit=x.city, username="city")
    x.traffic_user = user_with_role("department_staff", tree.street, unit=x.traffic, username="traffic")
    x.resident = user_with_role("resident", tree.building, username="resident")
    return x


def resident_case(w, title="北塔巷乱停车", text="北塔巷每天晚上车辆乱停，堵住消防通道。"):
    return make_case(
        w.tree.building,
        category=w.category,
        actor=w.resident,
        title=title,
        text=text,
        reporter=w.resident.person,
    )


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    assert "/accounts/login/" not in page.url


def open_case(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.get_by_test_id("case-body").wait_for()


def do(page, key, fill=None, select=None, check=()):
    """Open the action ``key`` on the case page, fill its form and submit; wait for htmx to swap the body."""
    if page.get_by_test_id(f"action-{key}").get_attribute("open") is None:
        page.get_by_test_id(f"open-{key}").click()
    for name, value in (fill or {}).items():
        page.fill(f"[name='{key}-{name}']", value)
    for name, value in (select or {}).items():
        page.select_option(f"[name='{key}-{name}']", value)
    for name in check:
        page.check(f"[name='{key}-{name}']")
    body = page.get_by_test_id("case-body").element_handle()
    page.get_by_test_id(f"do-{key}").click()
    body.wait_for_element_state("hidden")
    page.wait_for_load_state()


def status(page) -> str:
    return page.get_by_test_id("case-status").get_attribute("data-status")


def part_key(case, unit, name):
    return f"{name}-{CasePart.objects.get(case=case, unit=unit).pk}"


def test_whistle_cycle_unsatisfied_reopened_then_satisfied(page, live_server, w):
    case = resident_case(w)
    log_in(page, live_server, w.staff)
    open_case(page, live_server, case)
    # The reporter's phone is shown in full to the community's dispatcher.
    assert w.resident.person.phone in page.get_by_test_id("case-reporter").inner_text()
    do(page, "accept")
    assert status(page) == Status.ACCEPTED
    do(page, "escalate", {"reason": "涉及交警和城管，社区无法解决"})
    assert page.get_by_test_id("case-level").inner_text() == "金星镇"

    log_in(page, live_server, w.street)
    open_case(page, live_server, case)
    page.get_by_test_id("open-whistle").click()
    page.check(f"[name='whistle-unit_{w.traffic.pk}']")
    page.fill(f"[name='whistle-task_{w.traffic.pk}']", "夜间巡查，规范停车")
    page.check(f"[name='whistle-unit_{w.city.pk}']")
    page.fill(f"[name='whistle-task_{w.city.pk}']", "施划停车位")
    page.get_by_test_id("do-whistle").click()
    page.get_by_test_id("case-parts").wait_for()
    assert status(page) == Status.WHISTLED

    for user, unit, result in ((w.traffic_user, w.traffic, "已巡查"), (w.city_user, w.city, "已施划车位")):
        log_in(page, live_server, user)
        page.goto(f"{live_server.url}/cases/parts/")
        part = CasePart.objects.get(case=case, unit=unit)
        page.get_by_test_id(f"acknowledge-{part.pk}").click()
        page.get_by_test_id(f"finish-{part.pk}").wait_for()
        page.fill(f"[name='finish-{part.pk}-result']", result)
        page.get_by_test_id(f"finish-{part.pk}").click()
        page.get_by_test_id("part-list").wait_for()
        # The department does not see the reporter's phone.
        open_case(page, live_server, case)
        assert w.resident.person.phone not in page.content()
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED

    log_in(page, live_server, w.street)
    open_case(page, live_server, case)
    do(page, "reply", {"text": "已规范北塔巷停车，电话告知反映人"}, {"channel": "phone"})
    assert status(page) == Status.REPLIED
    services.case_rate(
        case=Case.objects.get(pk=case.pk),
        source_case=case,
        value=RatingValue.UNSATISFIED,
        comment="晚上还是乱停",
    )
    open_case(page, live_server, case)
    assert status(page) == Status.ACCEPTED
    do(page, "handle_self", {"note": "由社区和街道直接协调"})
    do(page, "resolve", {"result": "安装了隔离桩"})
    do(page, "reply", {"text": "已安装隔离桩"}, {"channel": "in_person"})
    services.case_rate(case=Case.objects.get(pk=case.pk), source_case=case, value=RatingValue.SATISFIED)
    open_case(page, live_server, case)
    assert status(page) == Status.CLOSED
    assert page.get_by_test_id("rating").count() == 2
    assert page.get_by_test_id("no-actions").count() or page.get_by_test_id("open-publish").count()


def test_merge_a_duplicate_and_reject_with_reason(page, live_server, w):
    original = resident_case(w)
    duplicate = resident_case(w, title="北塔巷停车乱", text="北塔巷车辆乱停，消防通道被堵。")
    other = resident_case(w, title="孩子学费困难", text="家庭困难，孩子学费交不上。")
    log_in(page, live_server, w.staff)
    open_case(page, live_server, duplicate)
    page.get_by_test_id("open-merge").click()
    assert original.number in page.get_by_test_id("similar-cases").inner_text()
    page.fill("[name='merge-into']", original.number)
    page.get_by_test_id("do-merge").click()
    page.get_by_test_id("case-merged-into").wait_for()
    assert status(page) == Status.MERGED

    open_case(page, live_server, other)
    page.get_by_test_id("open-reject").click()
    page.fill("[name='reject-reason']", "  ")
    page.get_by_test_id("do-reject").click()
    page.locator("[data-testid='action-reject'] .errorlist").wait_for()
    do(page, "reject", {"reason": "该事项属于教育救助，请到民政窗口申请"})
    assert status(page) == Status.REJECTED
    assert "民政窗口" in page.get_by_test_id("case-reject-reason").inner_text()


def test_escalate_twice_to_the_district(page, live_server, w):
    case = resident_case(w)
    log_in(page, live_server, w.staff)
    open_case(page, live_server, case)
    do(page, "accept")
    do(page, "escalate", {"reason": "社区无法协调"})
    log_in(page, live_server, w.street)
    open_case(page, live_server, case)
    do(page, "escalate", {"reason": "需区级部门统筹"})
    assert page.get_by_test_id("case-level").inner_text() == "利通区"
    district = user_with_role("street_staff", w.tree.district, username="district")
    log_in(page, live_server, district)
    open_case(page, live_server, case)
    assert page.get_by_test_id("open-escalate").count() == 0
    assert page.get_by_test_id("open-assign").count() == 1


def test_assigned_unit_returns_the_case(page, live_server, w):
    case = resident_case(w)
    hospital_user = user_with_role(
        "department_staff", w.tree.community, unit=w.tree.hospital, username="hosp"
    )
    log_in(page, live_server, w.staff)
    open_case(page, live_server, case)
    do(page, "accept")
    do(page, "assign", select={"unit": str(w.tree.hospital.pk)})
    assert page.get_by_test_id("case-unit").inner_text() == "古城卫生院"
    log_in(page, live_server, hospital_user)
    open_case(page, live_server, case)
    page.get_by_test_id("open-return").click()
    page.fill("[name='return-reason']", "停车管理不属于卫生院职责")
    page.get_by_test_id("do-return").click()
    page.get_by_test_id("case-list").wait_for()
    log_in(page, live_server, w.staff)
    open_case(page, live_server, case)
    assert status(page) == Status.ACCEPTED and page.get_by_test_id("case-unit").count() == 0


def test_pool_claim_resolve(page, live_server, w):
    case = resident_case(w)
    services.case_accept(actor=w.staff, case=case)
    services.case_escalate(actor=w.staff, case=Case.objects.get(pk=case.pk), reason="社区无法解决")
    log_in(page, live_server, w.street)
    open_case(page, live_server, case)
    do(page, "pool", {"note": "请相关部门认领"})
    assert status(page) == Status.IN_POOL
    log_in(page, live_server, w.city_user)
    page.goto(f"{live_server.url}/cases/pool/")
    page.get_by_test_id(f"claim-{case.number}").click()
    page.get_by_test_id("case-body").wait_for()
    assert page.get_by_test_id("case-unit").inner_text() == "城市管理局"
    do(page, "contact", {"note": "已电话联系"})
    do(page, "resolve", {"result": "已施划停车位"})
    assert status(page) == Status.RESOLVED


def test_overdue_supervision_with_a_frozen_clock(page, live_server, w):
    submitted = timezone.now() - dt.timedelta(days=20)
    case = make_case(w.tree.building, category=w.category, actor=w.resident, submitted_at=submitted)
    auditor = user_with_role("auditor", w.tree.street, username="auditor")
    accept_due = CaseStep.objects.get(case=case, step=Step.ACCEPT).due_at
    # The job runs with its clock frozen just before and just after the accept deadline.
    assert services.supervise_overdue_steps(now=accept_due - dt.timedelta(minutes=1)) == 0
    frozen = accept_due + dt.timedelta(hours=1)
    assert services.supervise_overdue_steps(now=frozen) == 1
    assert services.supervise_overdue_steps(now=frozen) == 0  # idempotent
    assert CaseStep.objects.get(case=case, step=Step.ACCEPT).supervised_at == frozen
    log_in(page, live_server, auditor)
    page.goto(f"{live_server.url}/inbox/")
    assert "超期督办" in page.get_by_test_id("inbox").inner_text()
    page.goto(f"{live_server.url}/cases/deadlines/")
    row = page.locator(f"[data-testid='overdue-list'] [data-number='{case.number}']").first
    assert row.get_by_test_id("flag-overdue").count() == 1
    assert row.get_by_test_id("row-supervised").count() == 1
    assert "古城巷5号楼" in page.get_by_test_id("deadlines-by-area").inner_text()


def test_extension_requested_and_approved(page, live_server, w):
    case = resident_case(w)
    services.case_accept(actor=w.staff, case=case)
    services.case_escalate(actor=w.staff, case=Case.objects.get(pk=case.pk), reason="社区无法解决")
    services.case_assign(actor=w.street, case=Case.objects.get(pk=case.pk), unit=w.city)
    before = CaseStep.objects.get(case=case, step=Step.RESOLVE).due_at
    log_in(page, live_server, w.city_user)
    open_case(page, live_server, case)
    do(page, "extension_request", {"days": "3", "reason": "需采购隔离桩"}, {"step": "resolve"})
    assert page.get_by_test_id("extension").get_attribute("data-decision") == "pending"
    log_in(page, live_server, w.street)
    open_case(page, live_server, case)
    key = f"extension_decide-{case.extensions.get().pk}"
    page.get_by_test_id(f"open-{key}").click()
    page.check(f"[name='{key}-decision'][value='approve']")
    do(page, key, {"note": "同意延期"})
    assert page.get_by_test_id("extension").get_attribute("data-decision") == "approved"
    expected = timezone.localtime(add_working_days(before, 3)).strftime("%Y-%m-%d %H:%M")
    assert page.locator("[data-testid='step-resolve'] [data-testid='step-due']").inner_text() == expected


def test_joint_handling_from_the_opinion_box_to_the_rating_on_the_tracking_page(page, live_server, w):
    """五方协商联合办, all through the pages: a signed-in resident reports on the opinion box, the community
    calls the joint meeting of the parties, records its outcome, resolves and replies; the resident rates on
    the tracking page."""
    from yishi.meetings.models import Meeting

    hospital, company = (
        w.tree.hospital,
        UnitFactory(area=w.tree.community, name="裕西物业", kind="property_company"),
    )
    log_in(page, live_server, w.resident)
    page.goto(f"{live_server.url}/cases/box/{w.tree.community.pk}/")
    page.get_by_test_id("title").fill("卫生院与5号楼之间墙体开裂")
    page.get_by_test_id("text").fill("古城卫生院与古城巷5号楼之间的隔墙裂缝越来越大，担心倒塌。")
    page.locator("#id_category").select_option(str(w.category.pk))
    page.get_by_test_id("area").select_option(str(w.tree.building.pk))
    page.get_by_test_id("submit").click()
    number = page.get_by_test_id("case-number").inner_text()
    case = Case.objects.get(number=number)
    assert case.reporter == w.resident.person

    log_in(page, live_server, w.staff)
    open_case(page, live_server, case)
    do(page, "accept")
    do(
        page,
        "joint",
        {
            "scheduled_at": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
            "location": "社区议事厅",
        },
        {"units_unit": str(hospital.pk), "property_unit": str(company.pk)},
    )
    assert status(page) == Status.HANDLING
    meeting = Meeting.objects.get(body_id=str(case.pk))
    assert {p.unit for p in meeting.participants.all()} == {hospital, company}
    do(
        page,
        f"meeting_record-{meeting.pk}",
        {"minutes": "五方现场查看墙体", "outcome": "卫生院出资修缮，物业配合"},
    )
    do(page, "resolve", {"result": "卫生院已修缮危墙，物业公司清运建筑垃圾"})
    do(page, "reply", {"text": "危墙已修缮，请您查看。"}, {"channel": "in_person"})
    assert status(page) == Status.REPLIED

    log_in(page, live_server, w.resident)
    page.goto(f"{live_server.url}/cases/track/{number}/")
    page.get_by_test_id("rate-satisfied").click()
    page.get_by_test_id("rate-submit").click()
    page.get_by_test_id("stage-rated").wait_for()
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
