"""台账导入: all rows or none, every bad row reported with its row number, never a crash on a bad file."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from yishi.accounts.models import Person, RoleGrant, User
from yishi.areas.importing import import_ledger, template_workbook
from yishi.areas.models import Area, Unit
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import user_with_role

from .workbooks import good_workbook, workbook_bytes

pytestmark = pytest.mark.django_db


def counts():
    return (
        Area.objects.count(),
        Unit.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )


def test_good_workbook_imports_all_three_sheets(tree, admin_user):
    result = import_ledger(actor=admin_user, data=good_workbook())
    assert result.ok, result.errors
    assert result.counts == {"areas": 3, "units": 1, "people": 2, "accounts": 1, "grants": 1}
    grid = Area.objects.get(parent=tree.community, name="第二网格")
    building = Area.objects.get(name="古城巷9号楼")
    assert building.parent == grid and building.level == "building" and building.path.startswith(grid.path)
    east = Area.objects.get(code="640302001")
    assert east.parent == tree.street and east.level == "community"
    unit = Unit.objects.get(name="裕西物业服务中心")
    assert unit.area == grid and unit.kind == "property_company" and unit.phone == "0953-2012345"
    ma = Person.objects.get(phone="13995370001")
    assert ma.home_area == grid and ma.unit == unit and ma.is_party_member and ma.title == "经理"
    assert ma.user.username == "maxiaohong" and ma.user.check_password("Yishi@2024")
    assert RoleGrant.objects.get(person=ma).role == "grid_worker"
    yang = Person.objects.get(name="杨建国")
    assert yang.phone == "13995370002" and yang.home_area == east and not yang.is_party_member
    # Written through the services: every record has its audit event, done by the importer.
    for obj in (grid, building, east, unit, ma, yang):
        assert AuditEvent.objects.for_object(obj).filter(actor=admin_user).exists()


def test_two_bad_rows_are_both_reported_and_nothing_is_imported(tree, admin_user):
    before = counts()
    data = workbook_bytes(
        {
            "区域": [
                ["第二网格", "网格", "利通区/金星镇/裕西社区", "", ""],
                ["坏网格", "星球", "利通区/金星镇/裕西社区", "", ""],
                ["第三网格", "网格", "利通区/金星镇/裕西社区", "", ""],
            ],
            "人员": [
                ["马晓红", "12345", "", "利通区/金星镇/裕西社区/第二网格", "", "", "", "", "", "", ""],
            ],
        }
    )
    result = import_ledger(actor=admin_user, data=data)
    assert not result.ok
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("区域", 3, "层级"), ("人员", 2, "手机号")]
    assert counts() == before


def test_duplicates_inside_the_file(tree, admin_user):
    data = workbook_bytes(
        {
            "区域": [
                ["第二网格", "网格", "利通区/金星镇/裕西社区", "1001", ""],
                ["第二网格", "网格", "利通区/金星镇/裕西社区", "1001", ""],
            ],
            "人员": [
                ["甲", "13995370001", "", "裕西社区", "", "", "", "", "", "", ""],
                ["乙", "13995370001", "", "裕西社区", "", "", "", "", "", "", ""],
            ],
        }
    )
    before = counts()
    result = import_ledger(actor=admin_user, data=data)
    assert {(e.sheet, e.row, e.column) for e in result.errors} == {
        ("区域", 3, "名称"),
        ("区域", 3, "区划代码"),
        ("人员", 3, "手机号"),
    }
    assert "第 2 行" in result.errors[0].message
    assert counts() == before


def test_duplicates_against_the_database(tree, admin_user):
    data = workbook_bytes(
        {
            "区域": [["第一网格", "网格", "利通区/金星镇/裕西社区", "640302", ""]],
            "单位": [["古城卫生院", "医院/卫生院", "裕西社区", "", ""]],
        }
    )
    result = import_ledger(actor=admin_user, data=data)
    assert {(e.sheet, e.row, e.column) for e in result.errors} == {
        ("区域", 2, "名称"),
        ("区域", 2, "区划代码"),
        ("单位", 2, "名称"),
    }


def test_wrong_file_type(tree, admin_user):
    before = counts()
    result = import_ledger(actor=admin_user, data="姓名,手机号\n马,139\n".encode())
    assert [e.message for e in result.errors] == ["文件不是 Excel 工作簿（.xlsx）。请用模板填写后上传。"]
    assert counts() == before


def test_corrupt_bytes(tree, admin_user):
    data = good_workbook()
    result = import_ledger(actor=admin_user, data=data[:200] + b"\x00" * 300 + data[500:])
    assert len(result.errors) == 1 and "损坏" in result.errors[0].message
    result = import_ledger(actor=admin_user, data=b"PK\x03\x04 not really a zip")
    assert len(result.errors) == 1 and "损坏" in result.errors[0].message


def test_missing_column(tree, admin_user):
    data = workbook_bytes(
        {"区域": [["第二网格", "利通区/金星镇/裕西社区"]]}, headers={"区域": ["名称", "上级区域"]}
    )
    result = import_ledger(actor=admin_user, data=data)
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("区域", 1, "层级")]
    assert "缺少列" in result.errors[0].message


def test_no_known_sheet_and_empty_sheet(tree, admin_user):
    result = import_ledger(actor=admin_user, data=workbook_bytes({"Sheet1": []}, headers={"Sheet1": ["x"]}))
    assert len(result.errors) == 1 and "工作表" in result.errors[0].message
    result = import_ledger(actor=admin_user, data=workbook_bytes({"单位": []}))
    assert [(e.sheet, e.row) for e in result.errors] == [("单位", None)]


def test_parent_outside_the_actors_scope(tree):
    community_admin = user_with_role("admin", tree.community, username="c-admin")
    before = counts()
    data = workbook_bytes(
        {
            "区域": [
                ["新网格", "网格", "利通区/金星镇/金花社区", "", ""],
                ["好网格", "网格", "利通区/金星镇/裕西社区", "", ""],
            ]
        }
    )
    result = import_ledger(actor=community_admin, data=data)
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("区域", 2, "上级区域")]
    assert "管辖范围" in result.errors[0].message
    assert counts() == before


def test_importing_needs_the_permission(tree, staff):
    with pytest.raises(PermissionDenied):
        import_ledger(actor=staff, data=good_workbook())


def test_grant_beyond_the_actors_power_is_a_row_error(tree):
    street_admin = user_with_role("admin", tree.street, username="s-admin")
    data = workbook_bytes(
        {
            "人员": [
                ["甲", "13995370009", "", "裕西社区", "", "", "", "管理员", "利通区", "", ""],
            ]
        }
    )
    result = import_ledger(actor=street_admin, data=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "授权区域")]


def test_account_columns_checked(tree, admin_user):
    data = workbook_bytes(
        {
            "人员": [
                ["甲", "13995370009", "", "裕西社区", "", "", "", "", "", "District-Admin", "Yishi@2024"],
                ["乙", "13995370008", "", "裕西社区", "", "", "可能", "", "", "newone", "123"],
            ]
        }
    )
    result = import_ledger(actor=admin_user, data=data)
    assert {(e.row, e.column) for e in result.errors} == {(2, "登录名"), (3, "党员"), (3, "初始密码")}


def test_template_workbook_round_trips(tree, admin_user):
    """The template's example rows import on the demo tree (after the example grid is named)."""
    result = import_ledger(actor=admin_user, data=template_workbook())
    assert result.ok, result.errors
    assert result.counts["areas"] == 1 and result.counts["people"] == 1


def test_management_command(tree, admin_user, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(good_workbook())
    call_command("import_ledger", str(good), "--actor", admin_user.username)
    assert "areas=3" in capsys.readouterr().out
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_ledger", str(good), "--actor", admin_user.username)
    assert "已被使用" in capsys.readouterr().err


def test_a_service_refusing_a_row_rolls_everything_back(tree, admin_user, monkeypatch):
    """Validation passed, but a service refuses the last row while writing: nothing stays, the row is named."""
    from django.core.exceptions import ValidationError

    from yishi.accounts import services as account_services

    real_create = account_services.person_create

    def refuse_yang(**kwargs):
        if kwargs["name"] == "杨建国":
            raise ValidationError({"phone": "该手机号已被登记。"})
        return real_create(**kwargs)

    monkeypatch.setattr(account_services, "person_create", refuse_yang)
    before = counts()
    result = import_ledger(actor=admin_user, data=good_workbook())
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("人员", 3, "手机号")]
    assert result.counts["areas"] == 0
    assert counts() == before
