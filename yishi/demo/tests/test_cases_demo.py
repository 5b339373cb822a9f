"""P1 demo data: the seed's cases in their story's states, a year of generated cases, idempotent, audit intact."""

import pytest
from django.test import override_settings

from yishi.audit.models import AuditEvent
from yishi.audit.services import audit_verify
from yishi.cases.models import Case, CasePart, Category, CategoryRoute, Rating
from yishi.cases.routing import selectable_categories
from yishi.cases.selectors import route_for
from yishi.cases.workflow import Status
from yishi.demo.cases_data import generated_cases
from yishi.demo.services import load_demo

pytestmark = pytest.mark.django_db


SOME_GENERATED = 60


@override_settings(YISHI_DEMO_GENERATED_CASES=SOME_GENERATED)
def test_generated_load_is_idempotent_and_keeps_the_audit_chain():
    """The generator at a reduced size (the full demo's 300 cases take ~20 s: a benchmark, not a test)."""
    first = load_demo()
    assert first.cases >= SOME_GENERATED
    counts = (
        Case.objects.count(),
        AuditEvent.objects.count(),
        Rating.objects.count(),
        Category.objects.count(),
    )
    second = load_demo()
    assert second.cases == 0 and second.total == 0
    assert counts == (
        Case.objects.count(),
        AuditEvent.objects.count(),
        Rating.objects.count(),
        Category.objects.count(),
    )
    assert audit_verify() is None
    # A year of history, in realistic states.
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.SUBMITTED, Status.REPLIED, Status.REJECTED} <= statuses
    values = set(Rating.objects.values_list("value", flat=True))
    assert values == {"satisfied", "basic", "unsatisfied"}
    assert Case.objects.filter(reopen_count=1).exists()
    span = (
        Case.objects.order_by("submitted_at").first().submitted_at,
        Case.objects.latest("submitted_at").submitted_at,
    )
    assert (span[1] - span[0]).days > 300
    assert Case.objects.filter(closed_at__isnull=False).exclude(closed_at__gt=span[1]).exists()


@override_settings(YISHI_DEMO_GENERATED_CASES=10)
def test_seed_cases_are_in_their_storys_states():
    load_demo()

    def case(title):
        return Case.objects.get(title=title)

    wall = case("古城卫生院与古城巷5号楼之间墙体开裂")
    assert wall.status == Status.CLOSED and wall.channel == "grid_report"
    assert wall.recorded_by.username == "yuxi-grid1" and wall.handling_mode == "joint"
    assert wall.ratings.get().value == "satisfied"
    verbs = list(AuditEvent.objects.for_object(wall).values_list("verb", flat=True))
    assert verbs[:3] == ["case.submit", "case.accept", "case.contact"]
    assert "case.joint" in verbs and "case.resolve" in verbs and "case.reply" in verbs

    noise = case("临街商铺大喇叭循环播放广告扰民")
    assert noise.status == Status.REPLIED and noise.handling_mode == "mediation"

    parking = case("北塔巷乱停车堵塞通道")
    assert parking.status == Status.WHISTLED and parking.level_area.name == "解放西街街道"
    parts = {p.unit.name: p.status for p in CasePart.objects.filter(case=parking).select_related("unit")}
    assert parts == {"兴庆区交警大队": "acknowledged", "兴庆区城市管理局": "done"}

    jici = case("济慈巷垃圾堆积、环境脏乱")
    assert jici.status == Status.REPLIED and jici.handling_mode == "whistle"

    heating = case("裕西花园2号楼暖气不热")
    assert heating.status == Status.ASSIGNED and heating.channel == "phone"
    assert heating.handler_unit.name == "利通区供热公司"
    assert route_for(heating) == ("unit", heating.handler_unit)

    supplies = case("居民楼院缺少消毒液等防疫物资")
    assert supplies.status == Status.RESOLVED and supplies.channel == "reception_day"

    tuition = case("贫困学生大学学费困难")
    assert tuition.channel == "reception_day" and tuition.recorded_by.username == "yangxingbao"
    assert tuition.handling_mode == "suggestion" and tuition.status == Status.CLOSED
    assert tuition.ratings.get().value == "satisfied"

    # Backdated through the services: the steps happened in order, at their story's times.
    assert wall.submitted_at < wall.accepted_at < wall.resolved_at < wall.replied_at < wall.closed_at
    assert audit_verify() is None


@override_settings(YISHI_DEMO_GENERATED_CASES=0)
def test_categories_tree_and_routes():
    load_demo()
    names = {c.key: c for c in Category.objects.select_related("parent")}
    assert names["parking"].parent.name == "市政设施"
    assert names["noise"].parent.name == "环境卫生" and "喇叭" in names["noise"].keywords
    assert {"heating", "property", "epidemic-supplies", "education-aid", "neighbour-disputes"} <= set(names)
    route = CategoryRoute.objects.get(category=names["parking"], area__name="兴庆区")
    assert route.level == "street"
    leaves = {c.key for c in selectable_categories()}
    assert "parking" in leaves and "municipal" not in leaves


def test_generated_cases_are_stable_and_unique():
    import datetime as dt

    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    a, b = generated_cases(now, 50), generated_cases(now, 50)
    assert a == b and len(a) == 50
    assert len({(g.title, g.place) for g in a}) == 50
    assert all(now - dt.timedelta(days=366) < g.submitted_at < now for g in a)
