"""The staff case pages: lists, the case page, every action through its form, scope and masking."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from yishi.cases import selectors, services
from yishi.cases.models import Case, CasePart, CaseStep, Extension, ReplyChannel, Step
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import PersonFactory, UnitFactory, user_with_role
from yishi.meetings.models import Meeting
from yishi.notices.models import Notice
from yishi.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db

PHONE = "13812341234"


@pytest.fixture
def w(tree, staff):
    class W:
        pass

    x = W()
    x.tree, x.staff = tree, staff
    x.category = CategoryFactory(key="environment", name="环境卫生")
    x.other_category = CategoryFactory(key="noise", name="噪声扰民")
    x.city = UnitFactory(area=tree.street, name="城市管理局")
    x.traffic = UnitFactory(area=tree.street, name="交警大队")
    x.far = UnitFactory(area=tree.sibling, name="金花物业")
    x.street = user_with_role("street_staff", tree.street, username="street")
    x.city_user = user_with_role("department_staff", tree.street, unit=x.city, username="city")
    x.traffic_user = user_with_role("department_staff", tree.street, unit=x.traffic, username="traffic")
    x.sibling_staff = user_with_role("community_staff", tree.sibling, username="sibling")
    x.grid = user_with_role("grid_worker", tree.grid, username="grid")
    x.grid2 = user_with_role("grid_worker", tree.grid, username="grid2")
    x.auditor = user_with_role("auditor", tree.street, username="auditor")
    return x


def new_case(w, **kwargs):
    kwargs.setdefault("category", w.category)
    kwargs.setdefault("reporter_name", "戈兆忠")
    kwargs.setdefault("reporter_phone", PHONE)
    return make_case(w.tree.building, **kwargs)


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.number]))


def act(client, case, action, data=None, obj=None, **extra):
    prefix = f"{action}-{obj.pk}" if obj is not None else action
    payload = {f"{prefix}-{k}": v for k, v in (data or {}).items()}
    if obj is not None:
        payload["object"] = obj.pk
    return client.post(reverse("cases:act", args=[case.number, action]), payload, **extra)


def refreshed(case):
    return Case.objects.get(pk=case.pk)


def actions_of(response) -> set[str]:
    return {e.name for e in response.context["entries"]}


def field_errors(response, action) -> dict:
    for entry in response.context["entries"]:
        if entry.name == action and entry.form.errors:
            return entry.form.errors
    stray = response.context["stray_errors"]
    return stray.errors if stray is not None else {}


def to_street(w, case):
    """Accepted by the community and escalated: the street's dispatcher decides."""
    services.case_accept(actor=w.staff, case=case)
    return services.case_escalate(actor=w.staff, case=refreshed(case), reason="社区无法解决")


# ---------------------------------------------------------------- lists


def test_list_shows_cases_in_scope_with_deadline_flag(client, w):
    mine = new_case(w, title="楼道堆放杂物")
    other = make_case(w.tree.sibling_grid, category=w.category, title="金花社区路灯不亮")
    CaseStep.objects.filter(case=mine).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(w.staff)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html and other.number not in html
    assert 'data-testid="flag-overdue"' in html


def test_list_filters_and_keyset(client, w):
    first = new_case(w, title="噪声扰民", category=w.other_category)
    for i in range(21):
        new_case(w, title=f"杂物{i}", submitted_at=timezone.now() - dt.timedelta(days=i + 1))
    client.force_login(w.staff)
    response = client.get(reverse("cases:list"), {"category": w.other_category.pk})
    assert [r["id"] for r in response.context["rows"]] == [first.pk]
    response = client.get(reverse("cases:list"), {"q": first.number})
    assert [r["id"] for r in response.context["rows"]] == [first.pk]
    page1 = client.get(reverse("cases:list"))
    assert len(page1.context["rows"]) == 20 and page1.context["next_query"]
    page2 = client.get(reverse("cases:list") + "?" + page1.context["next_query"])
    seen = {r["id"] for r in page1.context["rows"]} | {r["id"] for r in page2.context["rows"]}
    assert len(seen) == 22
    assert client.get(reverse("cases:list"), {"status": "nonsense"}).status_code == 400
    assert client.get(reverse("cases:list"), {"before": "garbage"}).status_code == 200


def test_list_filter_offers_a_new_area_and_category_at_once(client, w):
    from yishi.core.tests.factories import AreaFactory

    client.force_login(w.staff)

    def offered(name):
        return {
            str(v) for v, _ in client.get(reverse("cases:list")).context["form"].fields[name].widget.choices
        }

    before = offered("category")
    category = CategoryFactory(key="new-one", name="新类别")
    assert offered("category") == before | {str(category.pk)}
    grid = AreaFactory(parent=w.tree.community, name="新网格", level="grid")
    assert str(grid.pk) in offered("area")
    response = client.get(reverse("cases:list"), {"category": category.pk, "area": grid.pk})
    assert response.status_code == 200 and not response.context["form"].errors


def test_list_query_count_is_pinned(client, w, django_assert_num_queries):
    for i in range(30):
        new_case(w, title=f"诉求{i}")
    client.force_login(w.staff)
    # 8: the session, the user, the grants, the page's rows (every visibility branch's first page of ids and
    # the rows among them, with their next deadline and manual-dispatch flag: one query, or two where the
    # rows are read by a prepared statement), the notification badge, and the filter's options (the children
    # of the user's areas, then those and theirs, and the categories), which the next request finds in the
    # cache.
    rows = selectors.reads_per_list()
    with django_assert_num_queries(7 + rows):
        response = client.get(reverse("cases:list"))
    assert len(response.context["rows"]) == 20
    with django_assert_num_queries(4 + rows):
        response = client.get(reverse("cases:list"), {"open": "on"})
    assert len(response.context["rows"]) == 20
    # A category chosen is validated against the options (every category), not read again.
    category = Case.objects.filter(title__startswith="诉求").values_list("category", flat=True).first()
    with django_assert_num_queries(4 + rows):
        response = client.get(reverse("cases:list"), {"open": "on", "category": category})
    assert len(response.context["rows"]) == 20 and not response.context["form"].errors
    # One outside them is refused beside its field, and the list is not filtered by it.
    response = client.get(reverse("cases:list"), {"category": 10**12})
    assert response.status_code == 400 and "category" in response.context["form"].errors


def test_department_sees_only_cases_and_parts_sent_to_it(client, w):
    assigned = to_street(w, new_case(w, title="派给城管"))
    services.case_assign(actor=w.street, case=assigned, unit=w.city)
    whistled = to_street(w, new_case(w, title="吹哨交警"))
    services.case_whistle(actor=w.street, case=whistled, parts=[(w.traffic, "疏导交通")])
    untouched = new_case(w, title="未派单")
    client.force_login(w.city_user)
    numbers = {r["number"] for r in client.get(reverse("cases:list")).context["rows"]}
    assert numbers == {assigned.number}
    assert detail(client, assigned).status_code == 200
    assert detail(client, whistled).status_code == 404
    assert detail(client, untouched).status_code == 404
    client.force_login(w.traffic_user)
    assert detail(client, whistled).status_code == 200
    parts = client.get(reverse("cases:parts")).context["entries"]
    assert [e["part"].case_id for e in parts] == [whistled.pk]


def test_out_of_scope_is_404_in_page_and_actions(client, w):
    case = new_case(w)
    client.force_login(w.sibling_staff)
    assert detail(client, case).status_code == 404
    assert act(client, case, "reject", {"reason": "x"}).status_code == 404
    assert refreshed(case).status == Status.SUBMITTED
    assert client.get(reverse("cases:detail", args=["2026-000000-999999"])).status_code == 404


def test_deadlines_page_groups_overdue_by_area_and_unit(client, w, django_assert_max_num_queries):
    for i in range(5):
        case = new_case(w, title=f"超期{i}")
        CaseStep.objects.filter(case=case).update(due_at=timezone.now() - dt.timedelta(hours=2))
    soon = new_case(w, title="临期")
    CaseStep.objects.filter(case=soon).update(due_at=timezone.now() + dt.timedelta(hours=2))
    client.force_login(w.auditor)
    # 15: overdue and due-soon, each read per visibility branch (4 key-only queries for this auditor) and
    # then its rows at once, plus the session, the user, the grants, the notification badge and the page's own.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("cases:deadlines"))
    assert len(response.context["overdue"]) == 5 and len(response.context["due_soon"]) == 1
    page = response.content.decode()
    assert '<tr data-testid="area-row"><td>古城巷5号楼</td><td>5</td><td>1</td></tr>' in page
    assert page.count('data-testid="unit-row"') == 1
    assert response.context["is_supervisor"]
    client.force_login(w.sibling_staff)
    assert client.get(reverse("cases:deadlines")).context["overdue"] == []


def test_pool_and_parts_pages_are_for_departments(client, w):
    client.force_login(w.staff)
    assert client.get(reverse("cases:pool")).status_code == 404
    assert client.get(reverse("cases:parts")).status_code == 404
    case = to_street(w, new_case(w))
    services.case_pool(actor=w.street, case=case)
    client.force_login(w.city_user)
    response = client.get(reverse("cases:pool"))
    assert [c.pk for c in response.context["cases"]] == [case.pk]
    response = client.post(reverse("cases:act", args=[case.number, "claim"]))
    assert response.status_code == 302
    assert refreshed(case).handler_unit == w.city and refreshed(case).status == Status.ASSIGNED


# ---------------------------------------------------------------- masking and allowed actions


def test_contact_masked_for_department_and_other_grid_worker(client, w):
    case = new_case(w, actor=w.grid, channel="grid_report")
    services.case_accept(actor=w.staff, case=case)
    case = to_street_from_accepted(w, case)
    services.case_assign(actor=w.street, case=case, unit=w.city)
    for user, masked in ((w.city_user, False), (w.grid2, True), (w.grid, False), (w.street, False)):
        client.force_login(user)
        html = detail(client, case).content.decode()
        if masked:
            assert PHONE not in html and "戈兆忠" not in html and "138****1234" in html and "戈*忠" in html
        else:
            assert PHONE in html and "戈兆忠" in html


def to_street_from_accepted(w, case):
    return services.case_escalate(actor=w.staff, case=refreshed(case), reason="社区无法解决")


def test_contact_masked_for_department_not_handling(client, w):
    case = to_street(w, new_case(w))
    services.case_whistle(actor=w.street, case=case, parts=[(w.traffic, "疏导交通")])
    client.force_login(w.traffic_user)
    html = detail(client, case).content.decode()
    assert PHONE not in html and "138****1234" in html


def test_only_allowed_actions_are_rendered(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    assert actions_of(detail(client, case)) == {"accept", "reject", "merge"}
    client.force_login(w.grid)
    response = detail(client, case)
    assert actions_of(response) == set() and 'data-testid="no-actions"' in response.content.decode()
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    names = actions_of(detail(client, refreshed(case)))
    assert {"handle_self", "joint", "assign", "escalate", "contact", "refer_council"} <= names
    assert not names & {"whistle", "pool", "claim", "accept", "resolve", "reply", "close", "return"}
    to_street_from_accepted(w, case)
    client.force_login(w.street)
    assert {"whistle", "pool"} <= actions_of(detail(client, refreshed(case)))
    client.force_login(w.city_user)
    assert detail(client, refreshed(case)).status_code == 404


@pytest.mark.parametrize("size", [2, 6])
def test_case_page_query_count_is_pinned(client, w, size, django_assert_max_num_queries):
    """The same number of queries with 2 or 6 whistled parts and merged duplicates (no per-row query)."""
    case = to_street(w, new_case(w))
    units = [w.city, w.traffic, *(UnitFactory(area=w.tree.street) for _ in range(size - 2))]
    services.case_whistle(actor=w.street, case=case, parts=[(u, "清理") for u in units])
    for _ in range(size):
        services.case_merge(actor=w.staff, case=new_case(w), into=case)
    client.force_login(w.street)
    with django_assert_max_num_queries(17):
        response = detail(client, case)
    assert response.status_code == 200
    assert len(response.context["merged_cases"]) == size


def test_text_is_masked_for_those_who_may_not_see_the_contact(client, w):
    case = new_case(w, text="我是戈兆忠，电话13812345678，楼道堆满杂物。")
    client.force_login(w.grid2)  # a grid worker who did not record it
    body = detail(client, case).content.decode()
    assert "13812345678" not in body and "戈兆忠" not in body and "138****5678" in body
    client.force_login(w.staff)
    assert "13812345678" in detail(client, case).content.decode()


# ---------------------------------------------------------------- every action through the page


def test_accept_with_category_correction_and_bad_category(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    response = act(client, case, "accept", {"category": 999999})
    assert response.status_code == 400 and "category" in field_errors(response, "accept")
    response = act(client, case, "accept", {"category": w.other_category.pk, "note": "类别更正"})
    assert response.status_code == 302
    case = refreshed(case)
    assert case.status == Status.ACCEPTED and case.category == w.other_category


def test_reject_needs_a_reason(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    response = act(client, case, "reject", {"reason": " "})
    assert response.status_code == 400 and "reason" in field_errors(response, "reject")
    assert act(client, case, "reject", {"reason": "该事项正在诉讼中"}).status_code == 302
    case = refreshed(case)
    assert case.status == Status.REJECTED and case.reject_reason == "该事项正在诉讼中"


def test_merge_by_number(client, w):
    original = new_case(w, title="楼道堆放杂物")
    duplicate = new_case(w, title="楼道杂物又堆满了")
    client.force_login(w.staff)
    fragment = client.get(reverse("cases:action_form", args=[duplicate.number, "merge"]))
    assert original in fragment.context["similar"]
    assert f'list="similar-{duplicate.pk}"' in fragment.content.decode()  # the numbers offered to type
    response = act(client, duplicate, "merge", {"into": "2026-000000-000000"})
    assert response.status_code == 400 and "into" in field_errors(response, "merge")
    response = act(client, duplicate, "merge", {"into": duplicate.number})
    assert response.status_code == 400
    assert act(client, duplicate, "merge", {"into": original.number}).status_code == 302
    assert refreshed(duplicate).merged_into == original


def test_action_forms_load_when_opened(client, w):
    """The page writes each action's panel, not its form: the form loads when the panel is opened (htmx), or
    with ?act= (without JavaScript); only an action the user may take now loads, for a case in reach."""
    case = new_case(w)
    client.force_login(w.staff)
    html = detail(client, case).content.decode()
    form_url = reverse("cases:action_form", args=[case.number, "reject"])
    assert f'hx-get="{form_url}"' in html and 'name="reject-reason"' not in html
    assert 'href="?act=reject#action-reject"' in html
    fragment = client.get(form_url)
    assert fragment.status_code == 200 and 'name="reject-reason"' in fragment.content.decode()
    assert 'data-testid="do-reject"' in fragment.content.decode()
    opened = client.get(reverse("cases:detail", args=[case.number]), {"act": "reject"})
    body = opened.content.decode()
    assert 'name="reject-reason"' in body and 'name="accept-note"' not in body
    assert client.get(reverse("cases:action_form", args=[case.number, "resolve"])).status_code == 404
    assert client.get(reverse("cases:action_form", args=[case.number, "nonsense"])).status_code == 404
    client.force_login(w.sibling_staff)  # another community's worker
    assert client.get(form_url).status_code == 404


def test_first_contact(client, w):
    case = new_case(w)
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    response = act(client, case, "contact", {"note": ""})
    assert response.status_code == 400 and "note" in field_errors(response, "contact")
    assert act(client, case, "contact", {"note": "已电话联系反映人"}).status_code == 302
    assert refreshed(case).first_contact_at is not None
    assert "contact" not in actions_of(detail(client, case))


def test_handle_self_resolve_reply_and_publish(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    # Not accepted yet: the service refuses, the error shows, nothing changes.
    response = act(client, case, "handle_self", {})
    assert response.status_code == 400 and field_errors(response, "handle_self")
    services.case_accept(actor=w.staff, case=case)
    assert act(client, case, "handle_self", {"note": "社区自行协调"}).status_code == 302
    assert refreshed(case).status == Status.HANDLING
    response = act(client, case, "resolve", {"result": ""})
    assert response.status_code == 400 and "result" in field_errors(response, "resolve")
    assert act(client, case, "resolve", {"result": "杂物已清理，联系13812341234"}).status_code == 302
    assert "publish" in actions_of(detail(client, case))
    response = act(client, case, "reply", {"channel": "pigeon", "text": ""})
    errors = field_errors(response, "reply")
    assert response.status_code == 400 and "channel" in errors and "text" in errors
    assert (
        act(client, case, "reply", {"channel": ReplyChannel.PHONE, "text": "已电话答复"}).status_code == 302
    )
    assert refreshed(case).status == Status.REPLIED
    assert act(client, case, "publish", {}).status_code == 302
    notice = Notice.objects.get()
    assert notice.kind == "case_result" and notice.area == w.tree.community
    assert "138****1234" in notice.body and PHONE not in notice.body
    assert "已电话答复" in notice.body and "环境卫生" in notice.body
    assert "publish" not in actions_of(detail(client, case))


def test_publish_refused_before_resolution(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    response = act(client, case, "publish", {})
    assert response.status_code == 400 and not Notice.objects.exists()


def test_joint_meeting_then_minutes_then_resolve(client, w):
    case = new_case(w)
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    when = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = act(client, case, "joint", {"scheduled_at": when, "location": "", "property_unit": w.city.pk})
    assert response.status_code == 400 and "location" in field_errors(response, "joint")
    response = act(client, case, "joint", {"scheduled_at": when, "location": "社区会议室"})
    assert response.status_code == 400 and "两方" in str(field_errors(response, "joint"))
    assert refreshed(case).status == Status.ACCEPTED
    resident = PersonFactory(home_area=w.tree.building, name="业委会主任")
    data = {
        "scheduled_at": when,
        "location": "社区会议室",
        "property_unit": w.city.pk,
        "units_unit": w.tree.hospital.pk,
        "owners_person": resident.pk,
    }
    response = act(client, case, "joint", data)
    assert response.status_code == 302, field_errors(response, "joint")
    meeting = Meeting.objects.get()
    assert meeting.participants.count() == 3
    names = actions_of(detail(client, case))
    assert "meeting_record" in names and "resolve" not in names
    response = act(client, case, "meeting_record", {"minutes": "", "outcome": ""}, obj=meeting)
    assert response.status_code == 400 and "minutes" in field_errors(response, "meeting_record")
    data = {"minutes": "五方到场协商", "outcome": "卫生院负责修缮"}
    assert act(client, case, "meeting_record", data, obj=meeting).status_code == 302
    assert "resolve" in actions_of(detail(client, case))
    assert act(client, case, "resolve", {"result": "墙体已修缮"}).status_code == 302
    assert refreshed(case).status == Status.RESOLVED


def test_assign_and_return(client, w):
    case = new_case(w)
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    response = act(client, case, "assign", {"unit": w.far.pk})
    assert response.status_code == 400 and "unit" in field_errors(response, "assign")
    assert act(client, case, "assign", {"unit": w.tree.hospital.pk}).status_code == 302
    assert refreshed(case).handler_unit == w.tree.hospital
    hospital_user = user_with_role("department_staff", w.tree.community, unit=w.tree.hospital)
    client.force_login(hospital_user)
    assert {"return", "resolve", "contact"} <= actions_of(detail(client, case))
    response = act(client, case, "return", {"reason": ""})
    assert response.status_code == 400 and "reason" in field_errors(response, "return")
    response = act(client, case, "return", {"reason": "不属于本单位职责"})
    assert response.status_code == 302 and response.url == reverse("cases:list")
    case = refreshed(case)
    assert case.status == Status.ACCEPTED and case.handler_unit is None


def test_pool_and_claim_through_the_page(client, w):
    case = to_street(w, new_case(w))
    client.force_login(w.street)
    assert act(client, case, "pool", {"note": "请部门认领"}).status_code == 302
    client.force_login(w.city_user)
    assert "claim" in actions_of(detail(client, case))
    assert act(client, case, "claim", {}).status_code == 302
    assert refreshed(case).handler_unit == w.city


def test_whistle_acknowledge_finish(client, w):
    case = to_street(w, new_case(w))
    client.force_login(w.street)
    response = act(client, case, "whistle", {})
    assert response.status_code == 400 and "请至少选择" in str(field_errors(response, "whistle"))
    response = act(client, case, "whistle", {f"unit_{w.city.pk}": "on", f"task_{w.city.pk}": ""})
    assert response.status_code == 400 and "分工任务" in str(field_errors(response, "whistle"))
    data = {
        f"unit_{w.city.pk}": "on",
        f"task_{w.city.pk}": "清理占道",
        f"unit_{w.traffic.pk}": "on",
        f"task_{w.traffic.pk}": "疏导停车",
    }
    assert act(client, case, "whistle", data).status_code == 302
    assert refreshed(case).status == Status.WHISTLED
    city_part = CasePart.objects.get(unit=w.city)
    traffic_part = CasePart.objects.get(unit=w.traffic)
    client.force_login(w.city_user)
    assert actions_of(detail(client, case)) == {"acknowledge"}
    # A department cannot act on another's part: the part is not found for it.
    assert act(client, case, "acknowledge", {}, obj=traffic_part).status_code == 403
    assert act(client, case, "acknowledge", {}, obj=city_part).status_code == 302
    response = act(client, case, "finish", {"result": ""}, obj=city_part)
    assert response.status_code == 400 and "result" in field_errors(response, "finish")
    assert act(client, case, "finish", {"result": "已清理"}, obj=city_part).status_code == 302
    assert refreshed(case).status == Status.WHISTLED
    client.force_login(w.traffic_user)
    page = reverse("cases:parts")
    assert act(client, case, "acknowledge", {}, obj=traffic_part).status_code == 302
    response = client.post(
        reverse("cases:act", args=[case.number, "finish"]),
        {"object": traffic_part.pk, f"finish-{traffic_part.pk}-result": "已疏导", "next": page},
    )
    assert response.status_code == 302 and response.url == page
    assert refreshed(case).status == Status.RESOLVED


@pytest.mark.parametrize("action", ["refer_council", "refer_mediation", "suggest"])
def test_referrals_need_a_note(client, w, action):
    case = new_case(w)
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    response = act(client, case, action, {"note": ""})
    assert response.status_code == 400 and "note" in field_errors(response, action)
    assert act(client, case, action, {"note": "公共事务"}).status_code == 302
    assert refreshed(case).status != Status.ACCEPTED


def test_escalate_needs_a_reason_and_stops_at_the_district(client, w):
    case = new_case(w)
    services.case_accept(actor=w.staff, case=case)
    client.force_login(w.staff)
    response = act(client, case, "escalate", {"reason": ""})
    assert response.status_code == 400 and "reason" in field_errors(response, "escalate")
    assert act(client, case, "escalate", {"reason": "需街道协调"}).status_code == 302
    client.force_login(w.street)
    assert act(client, case, "escalate", {"reason": "需区级部门"}).status_code == 302
    case = refreshed(case)
    assert case.level_area == w.tree.district and case.escalation_count == 2
    admin = user_with_role("street_staff", w.tree.district, username="district-staff")
    client.force_login(admin)
    assert "escalate" not in actions_of(detail(client, case))


def test_extension_request_and_decision(client, w):
    case = to_street(w, new_case(w))
    services.case_assign(actor=w.street, case=case, unit=w.city)
    resolve = CaseStep.objects.get(case=case, step=Step.RESOLVE)
    client.force_login(w.city_user)
    response = act(client, case, "extension_request", {"step": "resolve", "days": 0, "reason": "x"})
    assert response.status_code == 400 and "days" in field_errors(response, "extension_request")
    data = {"step": "resolve", "days": 3, "reason": "需要采购材料"}
    assert act(client, case, "extension_request", data).status_code == 302
    extension = Extension.objects.get()
    client.force_login(w.street)
    response = act(client, case, "extension_decide", {"decision": "refuse", "note": ""}, obj=extension)
    assert response.status_code == 400 and "note" in field_errors(response, "extension_decide")
    data = {"decision": "approve", "note": "同意"}
    assert act(client, case, "extension_decide", data, obj=extension).status_code == 302
    extension.refresh_from_db()
    assert extension.decision == "approved"
    assert CaseStep.objects.get(pk=resolve.pk).due_at == add_working_days(resolve.due_at, 3)


def test_close_supervised_case(client, w):
    case = new_case(w)
    force_status(case, Status.SUPERVISED, is_supervised=True)
    client.force_login(w.auditor)
    assert "close" in actions_of(detail(client, case))
    response = act(client, case, "close", {"conclusion": ""})
    assert response.status_code == 400 and "conclusion" in field_errors(response, "close")
    assert act(client, case, "close", {"conclusion": "督办完成"}).status_code == 302
    assert refreshed(case).status == Status.CLOSED


def test_htmx_swaps_the_case_body(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    response = act(client, case, "reject", {"reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="case-body"') and "<html" not in html
    response = act(client, case, "accept", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-status="accepted"' in response.content.decode()


def test_unknown_action_is_404(client, w):
    case = new_case(w)
    client.force_login(w.staff)
    assert act(client, case, "explode", {}).status_code == 404
    assert client.get(reverse("cases:act", args=[case.number, "accept"])).status_code == 405


# ---------------------------------------------------------------- recording offline channels


def test_record_an_offline_case_with_similar_cases_first(client, w):
    existing = new_case(w, title="楼道堆放杂物")
    client.force_login(w.grid)
    response = client.get(reverse("cases:record"))
    channels = [c[0] for c in response.context["form"].fields["channel"].choices]
    assert "opinion_box" not in channels and "open311" not in channels and "home_visit" in channels
    areas = set(response.context["form"].fields["area"].queryset)
    assert w.tree.building in areas and w.tree.sibling not in areas
    data = {
        "channel": "home_visit",
        "area": w.tree.building.pk,
        "category": w.category.pk,
        "title": "楼道杂物",
        "text": "三单元楼道堆放杂物",
        "reporter_name": "马大姐",
        "reporter_phone": "12345",
        "urgency": "normal",
    }
    response = client.post(reverse("cases:record"), data)
    assert response.status_code == 400 and "reporter_phone" in response.context["form"].errors
    data["reporter_phone"] = "13900001111"
    response = client.post(reverse("cases:record"), data)
    assert response.status_code == 200 and existing in response.context["similar"]
    assert Case.objects.count() == 1
    response = client.post(reverse("cases:record"), {**data, "confirmed": "True"})
    assert response.status_code == 302
    case = Case.objects.exclude(pk=existing.pk).get()
    assert (
        case.channel == "home_visit" and case.recorded_by == w.grid and case.reporter_phone == "13900001111"
    )
    response = client.post(reverse("cases:record"), {**data, "area": w.tree.sibling_grid.pk})
    assert response.status_code == 400 and "area" in response.context["form"].errors


def test_record_is_not_for_departments(client, w):
    client.force_login(w.city_user)
    assert client.get(reverse("cases:record")).status_code == 404


def test_my_work_links(client, w):
    from yishi.core.work import work_sections

    def links(user):
        return {link.testid for s in work_sections(user) for link in s.links}

    assert {"cases", "case-deadlines", "case-record"} <= links(w.staff)
    assert {"cases", "case-pool", "case-parts"} <= links(w.city_user)
    assert "case-record" not in links(w.city_user)
    resident = user_with_role("resident", w.tree.building, username="resident")
    assert "cases" not in links(resident)


def test_a_department_sees_only_its_own_part_of_a_whistled_case(client, w):
    case = to_street(w, new_case(w))
    services.case_whistle(
        actor=w.street, case=case, parts=[(w.city, "清理占道摊点"), (w.traffic, "疏导交通秩序")]
    )
    client.force_login(w.city_user)
    body = detail(client, case).content.decode()
    assert "清理占道摊点" in body and "疏导交通秩序" not in body
    client.force_login(w.street)
    body = detail(client, case).content.decode()
    assert "清理占道摊点" in body and "疏导交通秩序" in body


# ---------------------------------------------------------------- query counts pinned exactly (issue 6)


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _varied_cases(w, n: int) -> None:
    """``n`` cases of two categories, some assigned to a unit, all with an overdue deadline."""
    for i in range(n):
        case = new_case(w, title=f"查询数{i}", category=w.category if i % 2 else w.other_category)
        if i % 3 == 0:
            force_status(case, Status.ASSIGNED, handler_unit=w.city if i % 2 else w.traffic)
        elif i % 3 == 1:
            force_status(case, Status.IN_POOL)  # the department's claim pool
        CaseStep.objects.filter(case=case).update(due_at=timezone.now() - dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("who", "page"),
    [
        *((who, page) for who in ("staff", "street", "admin", "city_user") for page in ("list", "deadlines")),
        ("city_user", "pool"),
    ],
)
def test_list_pages_cost_the_same_queries_for_n_and_3n_rows(client, w, who, page):
    user = (
        user_with_role("admin", w.tree.district, username="city-admin") if who == "admin" else getattr(w, who)
    )
    client.force_login(user)
    url = reverse(f"cases:{page}")
    _varied_cases(w, 4)
    client.get(url)  # warm the session and the content types
    small = _count(client, url)
    _varied_cases(w, 8)
    assert _count(client, url) == small


def test_list_filters_by_an_area_in_scope_and_offers_two_levels_below(client, w):
    inside = new_case(w, title="网格里的诉求")
    make_case(w.tree.sibling, category=w.category, title="别的社区")
    client.force_login(w.street)
    # Filtering by a grid of the street works (the field once held a sliced queryset and answered 500).
    response = client.get(reverse("cases:list"), {"area": w.tree.grid.pk})
    assert response.status_code == 200
    assert [r["id"] for r in response.context["rows"]] == [inside.pk]
    offered = {value for value, _label in response.context["form"].fields["area"].widget.choices if value}
    expected = [w.tree.street, w.tree.community, w.tree.sibling, w.tree.grid, w.tree.sibling_grid]
    assert {str(v) for v in offered} == {str(a.pk) for a in expected}  # the street and two levels below
    # An area outside the user's scope is a field error, not a 500.
    response = client.get(reverse("cases:list"), {"area": w.tree.district.pk})
    assert response.status_code == 400


def test_deadline_rows_escape_what_they_show_and_mark_supervision(client, w):
    case = new_case(w, title="<b>井盖</b> & 积水")
    CaseStep.objects.filter(case=case).update(due_at=timezone.now() - dt.timedelta(hours=2))
    supervised = CaseStep.objects.filter(case=case, done_at__isnull=True).order_by("pk").first()
    CaseStep.objects.filter(pk=supervised.pk).update(supervised_at=timezone.now())
    client.force_login(w.auditor)
    html = client.get(reverse("cases:deadlines")).content.decode()
    assert "<b>井盖</b>" not in html and "&lt;b&gt;井盖&lt;/b&gt; &amp; 积水" in html
    rows = [r for r in html.split("<tr ") if 'data-testid="deadline-row"' in r]
    assert (
        len(rows) == CaseStep.objects.filter(case=case, done_at__isnull=True).exclude(step=Step.RATE).count()
    )
    assert sum('data-testid="row-supervised"' in r for r in rows) == 1
    assert all(
        'data-testid="flag-overdue"' in r and reverse("cases:detail", args=[case.number]) in r for r in rows
    )


def test_case_list_rows_escape_what_they_show_and_flag_the_next_deadline(client, w):
    """The list's rows are written in Python (views.staff._list_rows_html): every value is escaped, the next
    open deadline is shown with its flag, and a case without a handling unit shows a dash."""
    case = new_case(w, title="<b>井盖</b> & 积水")
    CaseStep.objects.filter(case=case).update(due_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(w.staff)
    html = client.get(reverse("cases:list")).content.decode()
    (row,) = [r for r in html.split("<tr ") if f'data-number="{case.number}"' in r]
    assert "<b>井盖</b>" not in row and "&lt;b&gt;井盖&lt;/b&gt; &amp; 积水" in row
    assert f'href="{reverse("cases:detail", args=[case.number])}"' in row
    assert 'data-testid="flag-overdue"' in row and "<td>—</td>" in row  # no handling unit yet


def test_case_list_shows_the_earliest_open_deadline_other_than_rating(client, w):
    """The list's deadline column is the earliest deadline of the case's open steps, read with the rows: a
    step done, or the rating step, never counts, however early its deadline."""
    case = new_case(w, title="路灯不亮")
    now = timezone.now()
    CaseStep.objects.filter(case=case).update(due_at=now + dt.timedelta(days=10))
    later = CaseStep.objects.create(
        case=case, step=Step.FIRST_CONTACT, area_path=case.area_path, due_at=now + dt.timedelta(days=3)
    )
    CaseStep.objects.create(
        case=case, step=Step.RATE, area_path=case.area_path, due_at=now + dt.timedelta(days=1)
    )
    client.force_login(w.staff)

    def due_cell() -> str:
        html = client.get(reverse("cases:list")).content.decode()
        (row,) = [r for r in html.split("<tr ") if f'data-number="{case.number}"' in r]
        return row.split("<td>")[-1]

    local = timezone.localtime(now + dt.timedelta(days=3))
    assert f"{Step.FIRST_CONTACT.label} {local:%m-%d %H:%M}" in due_cell()
    assert 'data-testid="flag-' not in due_cell()
    CaseStep.objects.filter(pk=later.pk).update(done_at=now)
    assert f"{timezone.localtime(now + dt.timedelta(days=10)):%m-%d %H:%M}" in due_cell()
    CaseStep.objects.filter(case=case).exclude(step=Step.RATE).update(done_at=now)
    assert due_cell().startswith("—")


def test_pending_deadlines_carry_the_handling_unit_into_its_deadline_list(w):
    from yishi.cases.selectors import steps_due

    case = to_street(w, new_case(w, title="派给城管"))
    services.case_assign(actor=w.street, case=case, unit=w.city)
    pending = CaseStep.objects.filter(case=case, done_at__isnull=True)
    assert {s.step for s in pending} >= {Step.FIRST_CONTACT, Step.RESOLVE}
    assert set(pending.values_list("unit_id", flat=True)) == {w.city.pk}
    later = timezone.now() + dt.timedelta(days=60)
    overdue = steps_due(user=w.city_user, overdue=True, now=later)
    assert {(s["case_id"], s["step"]) for s in overdue} == {(case.pk, s.step) for s in pending}
    assert steps_due(user=w.traffic_user, overdue=True, now=later) == []

    services.case_return(actor=w.city_user, case=case, reason="不属于本单位职责")
    assert set(pending.values_list("unit_id", flat=True)) == {None}
    assert steps_due(user=w.city_user, overdue=True, now=later) == []


def test_a_whistled_unit_lists_the_case_deadlines_until_its_part_is_done(w):
    from yishi.cases.selectors import steps_due

    case = to_street(w, new_case(w, title="吹哨交警"))
    services.case_whistle(actor=w.street, case=case, parts=[(w.traffic, "疏导交通"), (w.city, "清理占道")])
    later = timezone.now() + dt.timedelta(days=60)
    pending = {s.step for s in CaseStep.objects.filter(case=case, done_at__isnull=True)}
    assert {s["step"] for s in steps_due(user=w.traffic_user, overdue=True, now=later)} == pending
    part = CasePart.objects.get(case=case, unit=w.traffic)
    services.part_acknowledge(actor=w.traffic_user, part=part)
    part.refresh_from_db()
    assert {s["step"] for s in steps_due(user=w.traffic_user, overdue=True, now=later)} == pending
    services.part_finish(actor=w.traffic_user, part=part, result="已疏导")
    # Its part done, the traffic unit has no deadline left on the case; the city unit still has.
    assert steps_due(user=w.traffic_user, overdue=True, now=later) == []
    assert {s["case_id"] for s in steps_due(user=w.city_user, overdue=True, now=later)} == {case.pk}


def test_deadline_branches_read_their_cases_ids_ahead_or_keep_their_subqueries(w, monkeypatch):
    """A unit's deadline branches over subqueries (its pending parts, its own open cases) are read ahead as
    one branch of steps among their cases' ids, in one query; with more ids than ``DEADLINE_CASE_IDS`` they
    stay subqueries, kept per worker (the next request's are the same objects and compile from the memo).
    Either way the lists are the same, and read the parts as they are then."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yishi.cases import selectors
    from yishi.cases.selectors import _BRANCH_WHERES, _branch_where, deadline_branches, steps_due

    case = to_street(w, new_case(w, title="吹哨交警"))
    services.case_whistle(actor=w.street, case=case, parts=[(w.traffic, "疏导交通")])
    later = timezone.now() + dt.timedelta(days=60)
    with CaptureQueriesContext(connection) as read:
        ahead = deadline_branches(w.traffic_user)
    assert len([q for q in read.captured_queries if "cases_" in q["sql"]]) == 1  # the grants aside
    assert not any(map(over_subquery, ahead))
    listed = steps_due(user=w.traffic_user, overdue=True, now=later, branches=ahead)
    assert {s["case_id"] for s in listed} == {case.pk}

    monkeypatch.setattr(selectors, "DEADLINE_CASE_IDS", 0)
    first = deadline_branches(w.traffic_user)
    again = deadline_branches(w.traffic_user)
    assert again == first and any(map(over_subquery, first))
    assert all(a is b for a, b in zip(again, first, strict=True) if over_subquery(b))
    assert steps_due(user=w.traffic_user, overdue=True, now=later, branches=first) == listed
    for branch in first:
        _branch_where(CaseStep, branch, connection)
    kept = len(_BRANCH_WHERES)
    for branch in deadline_branches(w.traffic_user):
        _branch_where(CaseStep, branch, connection)
    assert len(_BRANCH_WHERES) == kept


def over_subquery(branch) -> bool:
    """Whether a deadline branch is a condition over a subquery (``case_id__in=<QuerySet>``)."""
    from django.db.models import QuerySet

    return any(isinstance(child, tuple) and isinstance(child[1], QuerySet) for child in branch.children)


def test_pending_part_statuses_are_every_status_but_done():
    """Deadline lists and the parts page find a unit's open parts by ``PENDING_PART_STATUSES``: a status
    added to ``CasePart.PartStatus`` must be placed on one side or the other."""
    from yishi.cases.models import PENDING_PART_STATUSES

    assert set(PENDING_PART_STATUSES) == set(CasePart.PartStatus) - {CasePart.PartStatus.DONE}


def test_the_migration_copies_the_handling_unit_onto_pending_steps_only(w):
    import importlib

    from django.apps import apps

    case = to_street(w, new_case(w, title="派给城管"))
    services.case_assign(actor=w.street, case=case, unit=w.city)
    done = CaseStep.objects.filter(case=case, step=Step.ACCEPT).get()
    assert done.done_at is not None
    CaseStep.objects.filter(case=case).update(unit=None)  # as before 0011: only the resolve step had one
    importlib.import_module("yishi.cases.migrations.0011_pending_step_unit").copy_handler_units(apps, None)
    pending = CaseStep.objects.filter(case=case, done_at__isnull=True)
    assert pending.exists() and set(pending.values_list("unit_id", flat=True)) == {w.city.pk}
    done.refresh_from_db()
    assert done.unit_id is None


def test_the_area_filter_offers_each_grant_area_and_two_levels_below_it(client, w):
    from yishi.accounts.models import RoleGrant
    from yishi.areas.models import Level
    from yishi.core.tests.factories import AreaFactory

    other_district = AreaFactory(name="红寺堡区", level=Level.DISTRICT)
    other_street = AreaFactory(parent=other_district, name="大河乡", level=Level.STREET)
    other_community = AreaFactory(parent=other_street, name="龙源村", level=Level.COMMUNITY)
    other_grid = AreaFactory(parent=other_community, name="龙源一组", level=Level.GRID)
    user = user_with_role("admin", w.tree.district, username="two-grants")
    RoleGrant.objects.create(person=user.person, role="grid_worker", area=other_grid)
    client.force_login(user)
    response = client.get(reverse("cases:list"))
    offered = {str(v) for v, _label in response.context["form"].fields["area"].widget.choices if v}
    t = w.tree
    # The district, its streets and communities; and the grid of the second grant, however deep it lies.
    assert offered == {str(a.pk) for a in (t.district, t.street, t.community, t.sibling, other_grid)}


# ---------------------------------------------------------------- what the case page reads


def _each_relation(w, case):
    """One row of every relation ``selectors.PRESENCE`` asks about, on ``case``."""
    from django.contrib.contenttypes.models import ContentType

    from yishi.attachments.services import attachment_add
    from yishi.attachments.tests.files import PDF, upload
    from yishi.cases.models import CaseReply, Rating
    from yishi.meetings.models import MeetingKind

    now = timezone.now()
    CasePart.objects.create(case=case, unit=w.city, task="清理", acknowledge_due=now)
    step = CaseStep.objects.filter(case=case).first()
    Extension.objects.create(
        case=case, step=step, reason="需协调", requested_days=3, requested_by=w.staff, requested_at=now
    )
    Meeting.objects.create(
        kind=MeetingKind.JOINT_HANDLING,
        title="五方协商",
        area=w.tree.community,
        body_type=ContentType.objects.get_for_model(Case),
        body_id=str(case.pk),
        scheduled_at=now,
    )
    CaseReply.objects.create(
        case=case, channel=ReplyChannel.PHONE, text="已答复", replied_by=w.staff, replied_at=now
    )
    Rating.objects.create(case=case, source_case=case, value="satisfied", rated_at=now)
    duplicate = new_case(w)
    Case.objects.filter(pk=duplicate.pk).update(merged_into=case)
    attachment_add(actor=w.staff, obj=case, uploaded_file=upload("现场照片.pdf", PDF))


def test_the_page_knows_which_relations_a_case_has(w):
    """``case_get(page=True)`` says in the case's own query which relations it has, and the page reads none
    of those it lacks."""
    from yishi.cases.selectors import PRESENCE, case_get, has

    bare, full = new_case(w), new_case(w)
    _each_relation(w, full)
    assert not any(has(case_get(user=w.staff, number=bare.number, page=True), r) for r in PRESENCE)
    assert all(has(case_get(user=w.staff, number=full.number, page=True), r) for r in PRESENCE)
    assert all(has(case_get(user=w.staff, number=full.number), r) for r in PRESENCE)  # unknown: may have


def test_a_case_with_every_relation_shows_them_all(client, w):
    case = new_case(w)
    _each_relation(w, case)
    client.force_login(w.staff)
    response = detail(client, case)
    for name in ("parts", "extensions", "meetings", "replies", "ratings", "merged_cases"):
        assert len(response.context[name]) == 1, name
    assert "现场照片.pdf" in response.content.decode()


def test_a_bare_case_page_reads_fewer_queries(client, w, django_assert_max_num_queries):
    """A case without parts, extensions, meetings, replies, ratings, duplicates or attachments: none of them
    is read (session, user, grants, unread count, case, steps, events, routing suggestion and route)."""
    case = new_case(w)
    client.force_login(w.staff)
    detail(client, case)
    with django_assert_max_num_queries(9):
        assert detail(client, case).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_areas_category_and_unit_from_the_shared_cache(client, w, settings, django_assert_max_num_queries):
    """Where the cache is shared, the case's areas, category and unit come from it, and a renamed area or
    category shows on the next read (user, grants and unread count come from it too: 3 queries fewer)."""
    settings.CACHE_IS_SHARED = True
    case = new_case(w)
    client.force_login(w.staff)
    detail(client, case)
    with django_assert_max_num_queries(6):
        body = detail(client, case).content.decode()
    assert "环境卫生" in body
    w.category.name = "市容环境"
    w.category.save(update_fields=["name"])
    w.tree.community.name = "裕西新社区"
    w.tree.community.save(update_fields=["name"])
    body = detail(client, case).content.decode()
    assert "市容环境" in body and "环境卫生" not in body
    assert detail(client, case).context["case"].level_area.name == "裕西新社区"
