"""``/api/v1/cases/`` and friends: every action's happy path, bad input (400), out of scope (404) and a role
without the right (403); the scoped list, masking of contact data, and the list's query count."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from yishi.cases import services
from yishi.cases.models import Case, CasePart, Channel, Extension, Rating
from yishi.cases.selectors import joint_meetings
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import UnitFactory, user_with_role
from yishi.notices.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(tree, staff):
    class W:
        pass

    w = W()
    w.tree = tree
    w.category = CategoryFactory(key="environment", name="环境卫生")
    w.dept = UnitFactory(area=tree.street, name="城市管理局", kind="department")
    w.other = UnitFactory(area=tree.street, name="交警大队", kind="department")
    w.users = {
        "staff": staff,
        "street": user_with_role("street_staff", tree.street, username="street"),
        "dept": user_with_role("department_staff", tree.street, unit=w.dept, username="dept"),
        "grid": user_with_role("grid_worker", tree.grid, username="grid"),
        "sibling": user_with_role("community_staff", tree.sibling, username="sibling"),
        "resident": user_with_role("resident", tree.building, username="resident"),
        "auditor": user_with_role("auditor", tree.street, username="auditor"),
    }
    return w


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def new_case(w, status=None, *, street=False, **fields) -> Case:
    case = make_case(
        w.tree.building,
        category=w.category,
        reporter=w.users["resident"].person,
        reporter_name="马秀兰",
        reporter_phone="13900000001",
    )
    if street:
        fields.update(level_area=w.tree.street, level_path=w.tree.street.path)
    if status is not None:
        force_status(case, status, **fields)
    return case


def accepted(w, **kw) -> Case:
    return services.case_accept(actor=w.users["staff"], case=new_case(w, **kw))


def joint(w) -> Case:
    case = new_case(w, Status.ACCEPTED)
    services.case_joint(
        actor=w.users["staff"],
        case=case,
        scheduled_at=timezone.now(),
        location="社区会议室",
        participants=[(None, w.tree.hospital, "辖区单位"), (None, w.dept, "职能部门")],
    )
    return case


def whistled(w) -> Case:
    case = new_case(w, Status.ACCEPTED, street=True)
    return services.case_whistle(
        actor=w.users["street"], case=case, parts=[(w.dept, "清理占道"), (w.other, "疏导交通")]
    )


@dataclass
class Spec:
    name: str
    prepare: Callable  # w -> object the URL names (a case, extension or part)
    actor: str
    payload: Callable  # (w, obj) -> dict
    bad: Callable  # (w, obj) -> (obj, payload, field): a 400 with ``field`` in the body
    forbidden: str  # a user who sees the case but may not act
    check: Callable  # (obj after) -> bool
    url: Callable = None  # obj -> url

    def url_of(self, obj) -> str:
        if self.url:
            return self.url(obj)
        return f"/api/v1/cases/{obj.number}/{self.name}/"


def _same(payload):
    return lambda w, obj: payload


def _bad(payload, field, status=None, **fields):
    def bad(w, obj):
        if status is not None:
            force_status(obj, status, **fields)
        return obj, payload, field

    return bad


def _status(expected):
    return lambda obj: Case.objects.get(pk=obj.pk).status == expected


SPECS = [
    Spec(
        "accept",
        lambda w: new_case(w),
        "staff",
        _same({}),
        _bad({"category": "nope"}, "category"),
        "grid",
        _status(Status.ACCEPTED),
    ),
    Spec(
        "reject",
        lambda w: new_case(w),
        "staff",
        _same({"reason": "正在诉讼中"}),
        _bad({"reason": " "}, "reason"),
        "grid",
        _status(Status.REJECTED),
    ),
    Spec(
        "merge",
        lambda w: new_case(w),
        "staff",
        lambda w, obj: {"into": new_case(w, Status.ACCEPTED).number},
        _bad({"into": "2026-000000-000000"}, "into"),
        "grid",
        _status(Status.MERGED),
    ),
    Spec(
        "contact",
        lambda w: accepted(w),
        "staff",
        _same({"note": "已电话联系反映人"}),
        _bad({"note": ""}, "note"),
        "grid",
        lambda obj: Case.objects.get(pk=obj.pk).first_contact_at is not None,
    ),
    Spec(
        "handle-self",
        lambda w: new_case(w, Status.ACCEPTED),
        "staff",
        _same({}),
        _bad({}, "status", Status.SUBMITTED),
        "grid",
        _status(Status.HANDLING),
    ),
    Spec(
        "joint",
        lambda w: new_case(w, Status.ACCEPTED),
        "staff",
        lambda w, obj: {
            "scheduled_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "location": "社区会议室",
            "participants": [
                {"unit": w.tree.hospital.pk, "capacity": "辖区单位"},
                {"unit": w.dept.pk, "capacity": "职能部门"},
            ],
        },
        lambda w, obj: (
            obj,
            {"scheduled_at": timezone.now().isoformat(), "participants": [{"unit": w.dept.pk}]},
            "participants",
        ),
        "grid",
        _status(Status.HANDLING),
    ),
    Spec(
        "joint-record",
        lambda w: joint(w),
        "staff",
        lambda w, obj: {
            "meeting": joint_meetings(obj).get().pk,
            "minutes": "五方现场查看并协商分工",
            "outcome": "卫生院出资修缮，物业协助",
        },
        _bad({"meeting": 999999, "minutes": "x", "outcome": "y"}, "meeting"),
        "grid",
        lambda obj: joint_meetings(obj).get().status == "held",
    ),
    Spec(
        "publish",
        lambda w: new_case(w, Status.RESOLVED),
        "staff",
        _same({}),
        _bad({}, "status", Status.HANDLING),
        "auditor",
        lambda obj: Notice.objects.filter(title__contains=obj.title).exists(),
    ),
    Spec(
        "assign",
        lambda w: new_case(w, Status.ACCEPTED),
        "staff",
        lambda w, obj: {"unit": w.dept.pk},
        _bad({"unit": 999999}, "unit"),
        "grid",
        lambda obj: Case.objects.get(pk=obj.pk).status == Status.ASSIGNED,
    ),
    Spec(
        "pool",
        lambda w: new_case(w, Status.ACCEPTED, street=True),
        "street",
        _same({}),
        _bad({}, "status", Status.SUBMITTED),
        "staff",
        _status(Status.IN_POOL),
    ),
    Spec(
        "claim",
        lambda w: new_case(w, Status.IN_POOL, street=True),
        "dept",
        _same({}),
        lambda w, obj: (
            force_status(obj, Status.ASSIGNED, handler_unit=w.dept),
            {},
            "status",
        ),
        "grid",
        _status(Status.ASSIGNED),
    ),
    Spec(
        "whistle",
        lambda w: new_case(w, Status.ACCEPTED, street=True),
        "street",
        lambda w, obj: {"parts": [{"unit": w.dept.pk, "task": "清理"}, {"unit": w.other.pk, "task": "疏导"}]},
        _bad({"parts": []}, "parts"),
        "staff",
        _status(Status.WHISTLED),
    ),
    *(
        Spec(
            name,
            lambda w: new_case(w, Status.ACCEPTED),
            "staff",
            _same({"note": "转办理由"}),
            _bad({"note": ""}, "note"),
            "grid",
            _status(target),
        )
        for name, target in (
            ("refer-council", Status.IN_COUNCIL),
            ("refer-mediation", Status.IN_MEDIATION),
            ("suggest", Status.SUGGESTED),
        )
    ),
    Spec(
        "escalate",
        lambda w: new_case(w, Status.ACCEPTED),
        "staff",
        _same({"reason": "社区无法解决"}),
        _bad({"reason": ""}, "reason"),
        "grid",
        lambda obj: Case.objects.get(pk=obj.pk).level_area.level == "street",
    ),
    Spec(
        "return",
        lambda w: new_case(w, Status.ASSIGNED, handler_unit=w.dept),
        "dept",
        _same({"reason": "不属于本部门职责"}),
        _bad({"reason": ""}, "reason"),
        "staff",
        _status(Status.ACCEPTED),
    ),
    Spec(
        "resolve",
        lambda w: new_case(w, Status.HANDLING),
        "staff",
        _same({"result": "已清理完毕"}),
        _bad({"result": ""}, "result"),
        "grid",
        _status(Status.RESOLVED),
    ),
    Spec(
        "reply",
        lambda w: new_case(w, Status.RESOLVED),
        "staff",
        _same({"channel": "phone", "text": "已电话告知"}),
        _bad({"channel": "fax", "text": "x"}, "channel"),
        "grid",
        _status(Status.REPLIED),
    ),
    Spec(
        "rate",
        lambda w: new_case(w, Status.REPLIED),
        "resident",
        _same({"value": "satisfied", "comment": "很快"}),
        _bad({"value": "unsatisfied", "comment": ""}, "comment"),
        "staff",
        _status(Status.CLOSED),
    ),
    Spec(
        "close",
        lambda w: new_case(w, Status.SUPERVISED),
        "street",
        _same({"conclusion": "督办完成"}),
        _bad({"conclusion": ""}, "conclusion"),
        "staff",
        _status(Status.CLOSED),
    ),
    Spec(
        "extensions",
        lambda w: accepted(w),
        "staff",
        _same({"step": "resolve", "days": 3, "reason": "需要协调多个部门"}),
        _bad({"step": "resolve", "days": 0, "reason": "x"}, "days"),
        "grid",
        lambda obj: Extension.objects.filter(case=obj, requested_days=3).exists(),
    ),
    Spec(
        "decide",
        lambda w: services.extension_request(
            actor=w.users["staff"], case=accepted(w), step="resolve", days=3, reason="需要协调"
        ),
        "staff",
        _same({"approve": True}),
        _bad({"approve": False, "note": ""}, "note"),
        "grid",
        lambda obj: Extension.objects.get(pk=obj.pk).decision == "approved",
        url=lambda obj: f"/api/v1/case-extensions/{obj.pk}/decide/",
    ),
    Spec(
        "acknowledge",
        lambda w: whistled(w).parts.get(unit__name="城市管理局"),
        "dept",
        _same({}),
        lambda w, obj: (
            CasePart.objects.filter(pk=obj.pk).update(status="acknowledged") and obj,
            {},
            "status",
        ),
        "street",
        lambda obj: CasePart.objects.get(pk=obj.pk).status == "acknowledged",
        url=lambda obj: f"/api/v1/case-parts/{obj.pk}/acknowledge/",
    ),
    Spec(
        "finish",
        lambda w: services.part_acknowledge(
            actor=w.users["dept"], part=whistled(w).parts.get(unit__name="城市管理局")
        ),
        "dept",
        _same({"result": "已清理占道物品"}),
        _bad({"result": ""}, "result"),
        "street",
        lambda obj: CasePart.objects.get(pk=obj.pk).status == "done",
        url=lambda obj: f"/api/v1/case-parts/{obj.pk}/finish/",
    ),
]
IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_action_happy_path(w, spec):
    obj = spec.prepare(w)
    response = client_for(w.users[spec.actor]).post(spec.url_of(obj), spec.payload(w, obj), format="json")
    assert response.status_code in (200, 201), response.content
    assert spec.check(obj)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_action_bad_input_is_a_field_error(w, spec):
    obj, payload, field = spec.bad(w, spec.prepare(w))
    response = client_for(w.users[spec.actor]).post(spec.url_of(obj), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_action_out_of_scope_is_404(w, spec):
    obj = spec.prepare(w)
    response = client_for(w.users["sibling"]).post(spec.url_of(obj), spec.payload(w, obj), format="json")
    assert response.status_code == 404
    assert not spec.check(obj)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_action_role_without_the_right_is_403(w, spec):
    obj = spec.prepare(w)
    response = client_for(w.users[spec.forbidden]).post(spec.url_of(obj), spec.payload(w, obj), format="json")
    assert response.status_code == 403, response.content
    assert not spec.check(obj)


def test_unknown_case_is_404(w):
    response = client_for(w.users["staff"]).post(
        "/api/v1/cases/2026-640302-999999/accept/", {}, format="json"
    )
    assert response.status_code == 404


def test_accept_shows_the_category_route_as_a_suggestion(w):
    from yishi.cases.models import CategoryRoute

    CategoryRoute.objects.create(category=w.category, area=w.tree.street, level="unit", unit=w.dept)
    case = new_case(w)
    response = client_for(w.users["staff"]).post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
    assert response.json()["suggested_route"] == {
        "level": "unit",
        "unit": w.dept.pk,
        "unit_name": "城市管理局",
    }
    # A suggestion only: nobody was dispatched.
    assert response.json()["status"] == Status.ACCEPTED
    assert response.json()["handler_unit"] is None


# ---------------------------------------------------------------- create


def test_anonymous_client_submits_through_channel_api_and_rates_with_its_token(w):
    anon = client_for(None)
    response = anon.post(
        "/api/v1/cases/",
        {
            "area": w.tree.building.pk,
            "category": "environment",
            "title": "楼道堆物",
            "text": "三单元楼道堆满杂物",
            "is_anonymous": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.channel == Channel.API and case.is_anonymous and case.recorded_by is None
    assert body["tracking_token"] == case.tracking_token
    force_status(case, Status.REPLIED)
    url = f"/api/v1/cases/{case.number}/rate/"
    assert anon.post(url, {"value": "satisfied", "token": "wrong"}, format="json").status_code == 404
    assert anon.post(url, {"value": "satisfied"}, format="json").status_code == 404
    response = anon.post(url, {"value": "satisfied", "token": case.tracking_token}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["case_status"] == Status.CLOSED


def test_the_201_answer_shows_the_new_case_without_reading_its_absent_parts_and_replies(
    w, django_assert_max_num_queries
):
    """Intake through the API: routing, deadline, audit and notifications included, the whole request stays
    within its pinned number of queries; the answer's parts and replies are known empty, its steps read."""
    anon = client_for(None)
    body = {
        "area": w.tree.building.pk,
        "category": "environment",
        "title": "楼道堆物",
        "text": "三单元楼道堆满杂物",
    }
    anon.post("/api/v1/cases/", body, format="json")  # warm: the calendar and routing caches
    with django_assert_max_num_queries(24):
        response = anon.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["parts"] == [] and answer["replies"] == []
    assert [s["step"] for s in answer["steps"]] == ["accept"]


def test_reporter_of_a_merged_case_rates_the_surviving_case(w):
    other = user_with_role("resident", w.tree.building, username="neighbour")
    survivor = new_case(w, Status.ACCEPTED)
    dup = make_case(w.tree.building, category=w.category, reporter=other.person)
    services.case_merge(actor=w.users["staff"], case=dup, into=survivor)
    force_status(survivor, Status.REPLIED)
    response = client_for(other).post(
        f"/api/v1/cases/{survivor.number}/rate/", {"value": "basic"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Rating.objects.get(case=survivor).source_case == dup


def test_signed_in_resident_is_the_reporter(w):
    response = client_for(w.users["resident"]).post(
        "/api/v1/cases/",
        {"area": w.tree.building.pk, "category": "environment", "title": "路灯不亮", "text": "楼下路灯坏了"},
        format="json",
    )
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert case.reporter == w.users["resident"].person


def test_offline_channel_needs_a_recorder_in_the_area(w):
    payload = {
        "area": w.tree.building.pk,
        "category": "environment",
        "title": "入户走访发现墙体裂缝",
        "text": "古城巷5号楼与卫生院之间墙体开裂",
        "channel": "home_visit",
        "reporter_name": "王福贵",
        "reporter_phone": "13900000002",
    }
    assert client_for(w.users["resident"]).post("/api/v1/cases/", payload, format="json").status_code == 403
    assert client_for(w.users["sibling"]).post("/api/v1/cases/", payload, format="json").status_code == 403
    response = client_for(w.users["grid"]).post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert case.recorded_by == w.users["grid"] and case.channel == "home_visit"


def test_submit_bad_input_gets_field_errors_and_saves_nothing(w):
    client = client_for(w.users["resident"])
    response = client.post(
        "/api/v1/cases/",
        {
            "area": w.tree.building.pk,
            "category": "environment",
            "title": "",
            "text": "",
            "reporter_phone": "12",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"title", "text", "reporter_phone"} <= set(response.json())
    response = client.post(
        "/api/v1/cases/",
        {"area": w.tree.street.pk, "category": "nope", "title": "x", "text": "y", "channel": "open311"},
        format="json",
    )
    assert response.status_code == 400
    assert {"category", "channel"} <= set(response.json())
    response = client.post(
        "/api/v1/cases/",
        {"area": w.tree.street.pk, "category": "environment", "title": "x", "text": "y", "latitude": "abc"},
        format="json",
    )
    assert response.status_code == 400 and "area" in response.json()
    assert not Case.objects.exists()


# ---------------------------------------------------------------- reads


def test_list_is_scoped_filtered_and_paged(w):
    mine = [new_case(w) for _ in range(3)]
    closed = new_case(w, Status.CLOSED)
    theirs = make_case(w.tree.sibling_grid, category=w.category)
    assigned = new_case(w, Status.ASSIGNED, handler_unit=w.dept)

    def numbers(user, query=""):
        response = client_for(user).get(f"/api/v1/cases/{query}")
        assert response.status_code == 200
        return [row["number"] for row in response.json()["results"]]

    staff_sees = numbers(w.users["staff"])
    assert theirs.number not in staff_sees
    assert set(staff_sees) == {c.number for c in [*mine, closed, assigned]}
    # Newest first.
    assert staff_sees[0] == assigned.number
    assert numbers(w.users["dept"]) == [assigned.number]
    assert numbers(w.users["sibling"]) == [theirs.number]
    assert closed.number not in numbers(w.users["staff"], "?open=true")
    assert numbers(w.users["staff"], "?status=closed") == [closed.number]
    assert numbers(w.users["street"], f"?area={w.tree.sibling.pk}") == [theirs.number]
    assert numbers(w.users["staff"], "?category=nope") == []
    assert client_for(w.users["staff"]).get("/api/v1/cases/?status=bogus").status_code == 400
    assert client_for(None).get("/api/v1/cases/").status_code in (401, 403)

    response = client_for(w.users["staff"]).get("/api/v1/cases/?page_size=2")
    body = response.json()
    assert len(body["results"]) == 2 and body["next"]
    second = client_for(w.users["staff"]).get(body["next"]).json()
    assert [r["number"] for r in body["results"] + second["results"]][:4] == staff_sees[:4]


def test_detail_out_of_scope_is_404(w):
    case = new_case(w)
    assert client_for(w.users["staff"]).get(f"/api/v1/cases/{case.number}/").status_code == 200
    assert client_for(w.users["sibling"]).get(f"/api/v1/cases/{case.number}/").status_code == 404
    assert client_for(w.users["dept"]).get(f"/api/v1/cases/{case.number}/").status_code == 404


def test_reporter_contact_is_masked_unless_the_user_handles_the_case(w):
    case = new_case(w)

    def contact(user):
        body = client_for(user).get(f"/api/v1/cases/{case.number}/").json()
        return body["reporter_name"], body["reporter_phone"]

    assert contact(w.users["staff"]) == ("马秀兰", "13900000001")
    assert contact(w.users["resident"]) == ("马秀兰", "13900000001")
    # A grid worker sees the case in its grid but does not handle it.
    assert contact(w.users["grid"]) == ("马*兰", "139****0001")
    rows = client_for(w.users["grid"]).get("/api/v1/cases/").json()["results"]
    assert rows[0]["reporter_phone"] == "139****0001"


@pytest.mark.parametrize("who", ["staff", "grid", "dept", "resident", "street"])
def test_a_list_row_is_written_as_drf_writes_the_case(w, who):
    """The API list writes rows of ROW_COLUMNS by hand: the same keys, values and masking as DRF writes for
    the case itself, field by field."""
    from rest_framework.test import APIRequestFactory

    from yishi.cases.api import CaseSerializer

    now = timezone.now()
    cases = [
        new_case(w),
        new_case(w, Status.ASSIGNED, handler_unit=w.dept, is_supervised=True, reopen_count=1),
        make_case(w.tree.grid, category=w.category, is_anonymous=True),
        make_case(
            w.tree.grid,
            category=w.category,
            actor=w.users["grid"],
            channel=Channel.HOME_VISIT,
            reporter_name="李建国",
            reporter_phone="13800000002",
        ),
        new_case(w, Status.CLOSED, accepted_at=now, resolved_at=now, replied_at=now, closed_at=now),
        make_case(w.tree.sibling, category=w.category),  # another community's
    ]
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = w.users[who]
    serializer = CaseSerializer(context={"request": request})
    ids = [c.pk for c in cases]
    rows = Case.objects.filter(pk__in=ids).order_by("pk").values_list(*CaseSerializer.ROW_COLUMNS, named=True)
    written = [serializer.to_representation(row) for row in rows]
    assert [list(row) for row in written] == [CaseSerializer.Meta.fields] * len(cases)
    assert (
        written
        == CaseSerializer(
            Case.objects.filter(pk__in=ids).order_by("pk"), many=True, context={"request": request}
        ).data
    )
    phones = [row["reporter_phone"] for row in written]
    if who in ("staff", "resident"):
        assert phones[0] == "13900000001"
    if who == "grid":  # sees the contact of the case it recorded, not of the others
        assert (phones[0], phones[3]) == ("139****0001", "13800000002")


def test_list_query_count_is_pinned(w, django_assert_max_num_queries):
    for i in range(25):
        new_case(w, Status.ASSIGNED if i % 2 else None, handler_unit=w.dept if i % 2 else None)
    client = client_for(w.users["staff"])
    client.get("/api/v1/cases/")  # warm the content-type cache
    # Token, grants, one key-only query per visibility branch (area, recorded), the page's rows.
    with django_assert_max_num_queries(24):
        response = client.get("/api/v1/cases/?page_size=50")
    assert len(response.json()["results"]) == 25


def test_categories_are_a_public_tree(w):
    child = CategoryFactory(key="noise", name="噪声扰民", parent=w.category)
    CategoryFactory(key="old", name="停用", is_active=False)
    rows = client_for(None).get("/api/v1/case-categories/").json()
    by_key = {r["key"]: r for r in rows}
    assert by_key[child.key]["parent"] == "environment"
    assert "old" not in by_key


def test_parts_and_extensions_out_of_scope_are_404(w):
    part = whistled(w).parts.first()
    assert client_for(w.users["sibling"]).get(f"/api/v1/case-parts/{part.pk}/").status_code == 404
    assert client_for(w.users["dept"]).get(f"/api/v1/case-parts/{part.pk}/").status_code == 200


def test_full_whistle_cycle_through_the_api_only(w):
    """Resident submits → community accepts and escalates → street whistles two departments → both
    acknowledge and finish → phone reply → 不满意 reopens → handled again → reply → 满意 closes."""
    staff, street = client_for(w.users["staff"]), client_for(w.users["street"])
    police_user = user_with_role("department_staff", w.tree.street, unit=w.other, username="police")
    resident = client_for(w.users["resident"])
    number = resident.post(
        "/api/v1/cases/",
        {"area": w.tree.building.pk, "category": "environment", "title": "巷口乱停车", "text": "早晚堵死"},
        format="json",
    ).json()["number"]
    url = f"/api/v1/cases/{number}/"
    assert staff.post(url + "accept/", {}, format="json").status_code == 200
    assert staff.post(url + "escalate/", {"reason": "需要街道协调"}, format="json").status_code == 200
    parts = [{"unit": w.dept.pk, "task": "清理占道"}, {"unit": w.other.pk, "task": "整治违停"}]
    body = street.post(url + "whistle/", {"parts": parts}, format="json").json()
    assert body["status"] == Status.WHISTLED and len(body["parts"]) == 2
    for part in body["parts"]:
        who = client_for(w.users["dept"] if part["unit"] == w.dept.pk else police_user)
        assert who.post(f"/api/v1/case-parts/{part['id']}/acknowledge/", {}, format="json").status_code == 200
        assert (
            who.post(
                f"/api/v1/case-parts/{part['id']}/finish/", {"result": "已完成"}, format="json"
            ).status_code
            == 200
        )
    assert street.get(url).json()["status"] == Status.RESOLVED
    assert (
        street.post(url + "reply/", {"channel": "phone", "text": "已电话答复"}, format="json").status_code
        == 200
    )
    rated = resident.post(url + "rate/", {"value": "unsatisfied", "comment": "还是堵"}, format="json").json()
    assert rated["case_status"] == Status.ACCEPTED
    assert street.post(url + "handle-self/", {}, format="json").status_code == 200
    assert street.post(url + "resolve/", {"result": "设置隔离桩"}, format="json").status_code == 200
    assert (
        street.post(url + "reply/", {"channel": "in_person", "text": "已当面答复"}, format="json").status_code
        == 200
    )
    rated = resident.post(url + "rate/", {"value": "satisfied"}, format="json").json()
    assert rated["case_status"] == Status.CLOSED and rated["round"] == 1
    detail = resident.get(url).json()
    assert detail["reopen_count"] == 1 and len(detail["replies"]) == 2


@pytest.mark.parametrize("size", [2, 7])
def test_detail_query_count_does_not_grow_with_parts(w, size, django_assert_max_num_queries):
    from yishi.cases import services

    case = new_case(w, Status.ACCEPTED, street=True)
    units = [w.dept, w.other, *(UnitFactory(area=w.tree.street) for _ in range(size - 2))]
    services.case_whistle(actor=w.users["street"], case=case, parts=[(u, "分工") for u in units])
    client = client_for(w.users["street"])
    client.get(f"/api/v1/cases/{case.number}/")  # warm the content-type cache
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/cases/{case.number}/")
    assert len(response.json()["parts"]) == size


@pytest.mark.parametrize("who", ["staff", "street", "dept", "resident"])
def test_list_costs_the_same_queries_for_n_and_3n_rows(w, who, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            new_case(w, Status.ASSIGNED if i % 2 else None, handler_unit=w.dept if i % 2 else None)

    client = client_for(w.users[who])
    add(4)
    client.get("/api/v1/cases/")  # warm the content-type cache
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/cases/?page_size=50").status_code == 200
    add(8)
    with django_assert_num_queries(len(small)):
        client.get("/api/v1/cases/?page_size=50")


def test_intake_by_token_query_count_is_pinned(w, django_assert_num_queries):
    """An intake by a recorder's token, the bench's intake: routing, deadline, audit and the dispatchers'
    notifications in the case's own transaction. A query more here is a round trip more on every case."""
    from rest_framework.authtoken.models import Token

    from yishi.audit.models import AuditEvent
    from yishi.notifications.models import Notification

    token = Token.objects.create(user=w.users["grid"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {"area": w.tree.grid.pk, "category": "environment", "title": "路灯不亮", "channel": "phone"}
    client.post("/api/v1/cases/", {**body, "text": "第一件：路灯坏了一周。"}, format="json")  # warm caches
    with django_assert_num_queries(16):
        response = client.post("/api/v1/cases/", {**body, "text": "第二件：路灯又坏了。"}, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.recorded_by == w.users["grid"] and case.steps.count() == 1
    assert AuditEvent.objects.filter(verb="case.submit", object_id=str(case.pk)).count() == 1
    notified = Notification.objects.filter(url__contains=case.number).values_list("recipient_id", flat=True)
    assert list(notified) == [w.users["staff"].pk]


def test_the_new_case_shown_as_read_back(w):
    """The 201 answer shows the steps the intake opened without reading them back: the same as the case
    read from the database afterwards (parts, replies, steps, the tracking token)."""
    from yishi.cases.api import CaseCreatedSerializer

    client = APIClient()
    client.force_authenticate(w.users["grid"])
    body = {"area": w.tree.grid.pk, "category": "environment", "title": "路灯不亮", "text": "路灯坏了一周。"}
    response = client.post("/api/v1/cases/", {**body, "channel": "phone"}, format="json")
    assert response.status_code == 201, response.content
    shown = response.json()
    case = Case.objects.get(number=shown["number"])
    request = APIClient().get("/").wsgi_request
    request.user = w.users["grid"]
    read_back = CaseCreatedSerializer(case, context={"request": request}).data
    assert shown["steps"] == read_back["steps"] and len(shown["steps"]) == 1
    assert shown["steps"][0]["step"] == "accept" and shown["parts"] == [] and shown["replies"] == []
    assert shown == read_back


def test_numbers_follow_on_per_district_and_year(w):
    """Each district's numbers run on within a year, and a new year's first case starts again at 1."""
    from yishi.cases.models import CaseNumberSequence

    first = make_case(w.tree.grid, category=w.category)
    second = make_case(w.tree.grid, category=w.category)
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1
    year = timezone.localtime().year + 1
    later = timezone.make_aware(dt.datetime(year, 1, 2, 9, 0))
    new_year = make_case(w.tree.grid, category=w.category, submitted_at=later)
    also = make_case(w.tree.grid, category=w.category, submitted_at=later)
    assert new_year.number.startswith(f"{year}-") and new_year.number.endswith("-000001")
    assert also.number.endswith("-000002")
    assert CaseNumberSequence.objects.get(year=year).last == 2


@pytest.mark.django_db(transaction=True)
def test_dispatchers_from_the_shared_cache_follow_a_revoked_grant(w, settings, django_assert_num_queries):
    """Where the cache is shared, a new case's dispatchers come from it (no query), and a grant revoked in
    between counts for the very next case: its holder is told no more."""
    from yishi.accounts.models import RoleGrant
    from yishi.cases.rules import dispatchers_of

    settings.CACHE_IS_SHARED = True
    staff = w.users["staff"]
    assert dispatchers_of(w.tree.community) == [staff]
    with django_assert_num_queries(0):
        assert dispatchers_of(w.tree.community) == [staff]
    grant = RoleGrant.objects.get(person=staff.person, area=w.tree.community, revoked_at__isnull=True)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    assert staff not in dispatchers_of(w.tree.community)


def test_a_rolled_back_intake_leaves_no_notification_behind(w):
    """The dispatchers' notifications are rows of the case's own transaction: if anything after the intake
    fails, the case, its audit event and its notifications are all gone, nothing half-saved."""
    from django.db import transaction

    from yishi.audit.models import AuditEvent
    from yishi.notifications.models import Notification

    before = (Case.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        case = make_case(w.tree.grid, category=w.category, actor=w.users["grid"], channel="phone")
        assert Notification.objects.filter(url__contains=case.number).exists()  # written, not yet committed
        raise RuntimeError("a later step fails")
    assert (Case.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == before
