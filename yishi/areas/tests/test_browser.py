"""Browser journey of 台账导入: an admin uploads a bad workbook, reads the row errors, fixes it, imports."""

import pytest
from playwright.sync_api import expect

from yishi.areas.models import Area

from .workbooks import workbook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username, password="yishi-demo"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()


def test_admin_imports_a_ledger_after_fixing_bad_rows(page, live_server, tree, admin_user, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        workbook_bytes(
            {
                "区域": [
                    ["东关网格", "网格", "利通区/金星镇/裕西社区", "", ""],
                    ["西关网格", "星球", "利通区/金星镇/裕西社区", "", ""],
                    ["北关网格", "网格", "利通区/金星镇/不存在社区", "", ""],
                ]
            }
        )
    )
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        workbook_bytes(
            {
                "区域": [
                    ["东关网格", "网格", "利通区/金星镇/裕西社区", "", ""],
                    ["东关1号楼", "楼栋", "利通区/金星镇/裕西社区/东关网格", "", ""],
                ]
            }
        )
    )

    login(page, live_server, admin_user.username)
    page.get_by_test_id("import").click()
    expect(page.locator("main h1")).to_have_text("从 Excel 导入台账")

    page.set_input_files("input[name=file]", str(bad))
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-error")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(0)).to_contain_text("层级")
    expect(errors.nth(1)).to_contain_text("4")
    expect(errors.nth(1)).to_contain_text("不存在社区")
    assert not Area.objects.filter(name="东关网格").exists()

    page.set_input_files("input[name=file]", str(good))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("区域：2")

    page.goto(f"{live_server.url}/areas/?q=东关")
    rows = page.get_by_test_id("area-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("东关网格")
    rows.nth(1).get_by_role("link").click()
    expect(page.get_by_test_id("breadcrumbs")).to_contain_text("东关网格")
