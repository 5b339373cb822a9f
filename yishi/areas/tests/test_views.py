"""Pages: scoped lists and details (out of scope = 404), field errors with status 400, audited edits, import."""

import pytest
from django.urls import reverse

from yishi.accounts.models import Person
from yishi.areas.models import Area, Level, Unit
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import AreaFactory, UnitFactory, user_with_role

from .workbooks import good_workbook, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def community_admin(tree):
    return user_with_role("admin", tree.community, username="c-admin")


def test_list_shows_only_the_subtree(client, tree, staff):
    client.force_login(staff)
    response = client.get(reverse("areas:list"))
    assert response.status_code == 200
    names = [a.name for a, _indent in response.context["rows"]]
    assert names == ["裕西社区", "第一网格", "古城巷5号楼"]
    indents = [indent for _a, indent in response.context["rows"]]
    assert indents == [0, 1, 2]


def test_list_filters_by_level_and_name(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("areas:list"), {"level": Level.GRID})
    assert {a.name for a, _ in response.context["rows"]} == {"第一网格", "金花第一网格"}
    response = client.get(reverse("areas:list"), {"q": "金花"})
    assert {a.name for a, _ in response.context["rows"]} == {"金花社区", "金花第一网格"}
    # A bad filter value is ignored, not a 500.
    assert client.get(reverse("areas:list"), {"level": "planet"}).status_code == 200


def test_list_query_count_is_flat(client, tree, admin_user, django_assert_max_num_queries):
    for i in range(30):
        AreaFactory(parent=tree.sibling, name=f"网格{i}", level=Level.GRID)
        UnitFactory(area=tree.sibling, name=f"商户{i}", kind="shop")
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("areas:list")).status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(reverse("areas:unit_list"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 31


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("areas:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_out_of_scope_is_404_like_missing(client, tree, staff):
    client.force_login(staff)
    assert client.get(reverse("areas:detail", args=[tree.sibling.pk])).status_code == 404
    assert client.get(reverse("areas:detail", args=[999999])).status_code == 404
    assert client.get(reverse("areas:detail", args=[tree.street.pk])).status_code == 404
    other_unit = UnitFactory(area=tree.sibling, name="金花卫生室")
    assert client.get(reverse("areas:unit_detail", args=[other_unit.pk])).status_code == 404
    response = client.post(reverse("areas:update", args=[tree.sibling.pk]), {"name": "x"})
    assert response.status_code == 404


def test_detail_shows_breadcrumbs_children_units_people(client, tree, staff):
    client.force_login(staff)
    response = client.get(reverse("areas:detail", args=[tree.grid.pk]))
    assert response.status_code == 200
    # The ancestors above the staff member's grant are out of scope and not shown.
    assert [a.name for a in response.context["breadcrumbs"]] == ["裕西社区"]
    assert [a.name for a in response.context["children"]] == ["古城巷5号楼"]
    response = client.get(reverse("areas:detail", args=[tree.community.pk]))
    assert [u.name for u in response.context["units"]] == ["古城卫生院"]
    assert response.context["people_count"] == Person.objects.filter(home_area=tree.community).count() == 1
    # Staff may add units but not change areas.
    assert response.context["edit_form"] is None and response.context["child_form"] is None
    assert response.context["unit_form"] is not None
    assert response.context["events"] is not None


def test_staff_cannot_edit_areas(client, tree, staff):
    client.force_login(staff)
    response = client.post(reverse("areas:update", args=[tree.community.pk]), {"name": "改名"})
    assert response.status_code == 403
    assert Area.objects.get(pk=tree.community.pk).name == "裕西社区"


def test_edit_is_audited_and_shown_in_the_timeline(client, tree, community_admin):
    client.force_login(community_admin)
    url = reverse("areas:update", args=[tree.grid.pk])
    response = client.post(
        url, {"name": "第一网格（东）", "code": "", "address": "古城巷东", "is_active": "on"}
    )
    assert response.status_code == 302
    grid = Area.objects.get(pk=tree.grid.pk)
    assert grid.name == "第一网格（东）" and grid.address == "古城巷东"
    event = AuditEvent.objects.for_object(grid).last()
    assert event.verb == "area.update" and event.actor == community_admin
    assert event.before["name"] == "第一网格" and event.after["address"] == "古城巷东"
    response = client.get(reverse("areas:detail", args=[tree.grid.pk]))
    assert event in response.context["events"]
    assert f'data-seq="{event.seq}"' in response.content.decode()


def test_edit_field_errors_are_400_and_nothing_saved(client, tree, community_admin):
    client.force_login(community_admin)
    url = reverse("areas:update", args=[tree.grid.pk])
    response = client.post(url, {"name": "", "is_active": "on"})
    assert response.status_code == 400 and "name" in response.context["edit_form"].errors
    response = client.post(url, {"name": "第一网格", "code": "640302", "is_active": "on"})
    assert response.status_code == 400
    assert response.context["edit_form"].errors["code"] == ["区划代码已被使用。"]
    response = client.post(url, {"name": "第一网格", "latitude": "abc", "is_active": "on"})
    assert response.status_code == 400 and "latitude" in response.context["edit_form"].errors
    assert Area.objects.get(pk=tree.grid.pk).code == ""


def test_add_child_area(client, tree, community_admin):
    client.force_login(community_admin)
    url = reverse("areas:create_child", args=[tree.community.pk])
    response = client.post(url, {"name": "第二网格", "level": Level.GRID})
    child = Area.objects.get(parent=tree.community, name="第二网格")
    assert response.status_code == 302 and response["Location"] == reverse("areas:detail", args=[child.pk])
    assert AuditEvent.objects.for_object(child).get().actor == community_admin
    response = client.post(url, {"name": "太高了", "level": Level.STREET})
    assert response.status_code == 400 and "level" in response.context["child_form"].errors
    response = client.post(url, {"name": "第二网格", "level": Level.GRID})
    assert response.status_code == 400 and "name" in response.context["child_form"].errors
    assert Area.objects.filter(parent=tree.community).count() == 2


def test_add_and_edit_unit(client, tree, staff):
    client.force_login(staff)
    url = reverse("areas:unit_create", args=[tree.community.pk])
    response = client.post(url, {"name": "裕西物业", "kind": "property_company", "phone": "0953-1"})
    unit = Unit.objects.get(name="裕西物业")
    assert response.status_code == 302
    response = client.post(url, {"name": "裕西物业", "kind": "property_company"})
    assert response.status_code == 400 and "name" in response.context["unit_form"].errors
    detail = reverse("areas:unit_detail", args=[unit.pk])
    response = client.post(detail, {"name": "裕西物业", "kind": "nope"})
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    response = client.post(
        detail, {"name": "裕西物业公司", "kind": "property_company", "phone": "0953-2", "is_active": "on"}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "裕西物业公司" and unit.phone == "0953-2"
    assert [e.verb for e in AuditEvent.objects.for_object(unit)] == ["unit.create", "unit.update"]


def test_unit_list_filters(client, tree, staff):
    UnitFactory(area=tree.grid, name="古城小卖部", kind="shop")
    UnitFactory(area=tree.sibling, name="金花小卖部", kind="shop")
    client.force_login(staff)
    response = client.get(reverse("areas:unit_list"), {"kind": "shop"})
    assert [u.name for u in response.context["page"].object_list] == ["古城小卖部"]
    response = client.get(reverse("areas:unit_list"), {"q": "卫生"})
    assert [u.name for u in response.context["page"].object_list] == ["古城卫生院"]


def test_resident_sees_but_cannot_change_units(client, tree):
    resident = user_with_role("resident", tree.building, username="r1")
    client.force_login(resident)
    response = client.get(reverse("areas:detail", args=[tree.building.pk]))
    assert response.status_code == 200 and response.context["unit_form"] is None
    assert response.context["events"] is None
    unit = UnitFactory(area=tree.building, name="楼下超市", kind="shop")
    assert client.get(reverse("areas:unit_detail", args=[unit.pk])).context["form"] is None
    response = client.post(reverse("areas:unit_detail", args=[unit.pk]), {"name": "x", "kind": "shop"})
    assert response.status_code == 403


def test_import_page_permission(client, tree, staff):
    client.force_login(staff)
    assert client.get(reverse("areas:import")).status_code == 403
    assert client.get(reverse("areas:import_template")).status_code == 403


def test_import_page_errors_then_success(client, tree, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    assert client.get(reverse("areas:import")).status_code == 200
    bad = workbook_bytes({"区域": [["x", "星球", "利通区", "", ""], ["", "网格", "裕西社区", "", ""]]})
    before = Area.objects.count()
    response = client.post(reverse("areas:import"), {"file": SimpleUploadedFile("ledger.xlsx", bad)})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(2, "层级"), (3, "名称")]
    assert "import-error" in response.content.decode()
    assert Area.objects.count() == before
    response = client.post(reverse("areas:import"), {"file": SimpleUploadedFile("ledger.csv", b"a,b")})
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = client.post(reverse("areas:import"), {})
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = client.post(
        reverse("areas:import"), {"file": SimpleUploadedFile("ledger.xlsx", good_workbook())}
    )
    assert response.status_code == 200 and response.context["result"].counts["areas"] == 3
    assert "import-summary" in response.content.decode()


def test_template_download(client, tree, admin_user):
    import io

    from openpyxl import load_workbook

    client.force_login(admin_user)
    response = client.get(reverse("areas:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:3] == ["区域", "单位", "人员"]
    assert [c.value for c in workbook["单位"][1]] == ["名称", "类型", "所在区域", "地址", "联系电话"]
    assert workbook["人员"].max_row == 2
