"""``yishi load_demo``: the seed's places, units and people, idempotent, every account usable, scopes hold."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Q
from django.test import RequestFactory

from yishi.accounts.models import Person, RoleGrant, User
from yishi.areas.models import Area, Unit
from yishi.audit.models import AuditEvent
from yishi.audit.selectors import audit_event_list
from yishi.audit.services import audit_verify
from yishi.core.permissions import VIEW_PERSON, scoped
from yishi.demo import data
from yishi.demo.services import accounts_markdown_document, load_demo
from yishi.notices.models import Notice

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Area, Unit, Person, User, RoleGrant, AuditEvent)
    }


@pytest.fixture
def demo():
    load_demo()


def test_second_run_changes_nothing():
    first = load_demo()
    assert first.total > 0
    after_first = counts()
    last_hash = AuditEvent.objects.order_by("-seq").first().hash
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == after_first
    assert AuditEvent.objects.order_by("-seq").first().hash == last_hash
    assert "Demo data ready: 0 new rows." in out.getvalue()
    assert audit_verify() is None


def test_everything_is_written_through_the_services(demo):
    """The system writes the tree and the people; notices are published by the staff of each board."""
    c = counts()
    assert c["Area"] >= 30
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "area.create",
        "unit.create",
        "person.create",
        "account.create",
        "role.grant",
        "account.update",
    } <= verbs
    # Cases (and their joint meetings) are handled by the staff of each place: see test_cases_demo.py.
    # The council's story is told by its staff and members too: see councils/tests/test_demo.py.
    council_story = Q(area_path__startswith=Area.objects.get(name="裕西社区").path) & ~Q(
        verb="notice.publish"
    )
    staff_verbs = (
        AuditEvent.objects.exclude(actor=None).exclude(verb__startswith="case.").exclude(council_story)
    )
    assert set(staff_verbs.exclude(verb__startswith="meeting.").values_list("verb", flat=True)) == {
        "notice.publish"
    }
    council_notices = Notice.objects.filter(source_type__model="topic").count()
    assert AuditEvent.objects.filter(verb="notice.publish").count() == len(data.NOTICES) + council_notices
    assert AuditEvent.objects.filter(verb="area.create").count() == c["Area"]
    assert AuditEvent.objects.filter(verb="person.create").count() == c["Person"] >= len(data.PEOPLE)


def test_every_demo_account_authenticates_with_the_demo_password(demo):
    request = RequestFactory().post("/accounts/login/")
    for spec in data.PEOPLE:
        user = authenticate(request, username=spec.username, password="yishi-demo")
        assert user is not None, spec.username
        assert user.person.name == spec.name
        assert RoleGrant.objects.filter(person=user.person, revoked_at=None).count() == len(spec.grants)


def test_admin_is_a_superuser_and_others_are_not(demo):
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").is_staff
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]


def test_residents_log_in_with_their_phone_number(demo):
    residents = Person.objects.filter(grants__role="resident").exclude(is_party_member=True).distinct()
    assert residents.count() >= 10
    for person in residents:
        assert person.user.username == person.phone


def test_the_seed_tree_is_there(demo):
    def area(name):
        return Area.objects.get(name=name)

    assert area("宁夏回族自治区").code == "640000"
    assert [a.name for a in area("古城巷5号楼").ancestors()] == [
        "宁夏回族自治区",
        "吴忠市",
        "利通区",
        "金星镇",
        "裕西社区",
        "裕西第一网格",
        "古城巷5号楼",
    ]
    assert area("北塔巷").is_within(area("文艺社区")) and area("文艺社区").is_within(area("兴庆区"))
    assert area("六盘山工业园区").level == "street" and area("六盘山工业园区").parent == area("隆德县")
    assert {a.code for a in area("银川市").children.all()} == {"640104", "640121", "640181"}
    assert area("金坛区").code == "320413" and area("金坛区").is_within(area("江苏省"))
    assert Unit.objects.get(name="古城卫生院").kind == "hospital"
    assert (
        Unit.objects.filter(
            name__in=["西吉县政协社会治理委员会", "西吉县政协科教文卫委员会"], kind="committee"
        ).count()
        == 2
    )
    grant = RoleGrant.objects.get(person__name="张伟", role="department_staff")
    assert grant.unit.name == "兴庆区城市管理局"


def test_yuxi_staff_cannot_see_wenyi_people(demo):
    yuxi_staff = User.objects.get(username="wangli")
    visible = scoped(Person.objects.all(), yuxi_staff, VIEW_PERSON, field="home_area__path")
    names = set(visible.values_list("name", flat=True))
    assert {"戈兆忠", "党海凤", "马秀兰"} <= names
    assert not names & {"杨兴保", "陈明", "赵丽娟", "孙德胜", "周玉梅", "陈静"}
    assert not names & {"刘芳"}  # the sibling community 金花社区


def test_jinhua_staff_sees_no_yuxi_people_nor_their_events(demo):
    jinhua_staff = User.objects.get(username="jinhua-staff")
    yuxi = Area.objects.get(name="裕西社区")
    visible = scoped(Person.objects.all(), jinhua_staff, VIEW_PERSON, field="home_area__path")
    assert not visible.filter(home_area__path__startswith=yuxi.path).exists()
    events, _next = audit_event_list(user=jinhua_staff, limit=500)
    assert events and not [e for e in events if e.area_path.startswith(yuxi.path)]


def test_litong_auditor_sees_litong_events_but_not_yinchuan(demo):
    auditor = User.objects.get(username="litong-auditor")
    events, _next = audit_event_list(user=auditor, limit=1000)
    litong, wenyi = Area.objects.get(name="利通区"), Area.objects.get(name="文艺社区")
    assert events and all(e.area_path.startswith(litong.path) for e in events)
    assert not [e for e in events if e.area_path.startswith(wenyi.path)]


def test_command_prints_the_accounts_table(demo):
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for spec in data.PEOPLE:
        assert spec.username in text and spec.name in text
    assert "角色" in text and "登录名" in text and "yishi-demo" in text


def test_docs_table_is_in_step_with_the_data():
    path = Path(settings.BASE_DIR) / "docs" / "demo-accounts.md"
    assert path.read_text(encoding="utf-8") == accounts_markdown_document()


def test_the_demo_open311_key_works(demo, client):
    from yishi.cases.models import Category

    category = Category.objects.filter(is_active=True).first()
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": "yishi-demo-key",
            "service_code": category.key,
            "description": "路灯不亮",
            "address_string": "裕西社区",
        },
    )
    assert response.status_code == 200, response.content
