"""The dashboard page, the Excel exports and the rate settings page: scope, filters, bad input, query counts,
masked phones; and one browser journey of a street staff member reading the dashboard.
"""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from yishi.cases.models import RateSettings
from yishi.cases.tests.rates_data import build_case, build_world
from yishi.core.tests.factories import user_with_role

PERIOD_QS = {"months": 3, "until": "2025-03"}
DASH = "/cases/dashboard/"


@pytest.fixture
def world(tree):
    return build_world(tree)


@pytest.fixture
def street_staff(tree):
    return user_with_role("street_staff", tree.street, username="jinxing-staff")


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)


# ---------------------------------------------------------------- dashboard


@pytest.mark.django_db
def test_urls_are_named():
    assert reverse("cases:dashboard") == DASH
    assert reverse("cases:dashboard_export") == "/cases/dashboard/export.xlsx"
    assert reverse("cases:ledger") == "/cases/ledger.xlsx"
    assert reverse("cases:rate_settings") == "/cases/dashboard/settings/"


@pytest.mark.django_db
def test_street_staff_sees_rates_ranking_and_charts(client, world, street_staff):
    response = get(client, street_staff, DASH, area=world.tree.street.pk, **PERIOD_QS)
    assert response.status_code == 200
    ranking = response.context["child_ranking"]
    assert [row.entity.name for row in ranking] == ["裕西社区", "金花社区"]
    assert [row.entity.name for row in response.context["unit_ranking"]] == ["古城卫生院", "城市管理局"]
    html = response.content.decode()
    assert html.count("<svg") == 4 and "<title id=" in html and "<desc id=" in html
    assert 'data-testid="trend-row"' in html and html.count('data-testid="trend-row"') == 3
    summary = response.context["summary"]
    assert summary.resolution_pct == "60.0%"  # 3 of 5 closed in Jan–Mar 2025, worked out in test_rates
    assert summary.satisfaction_pct == "75.0%"  # default weight 1: (1 + 2) / 4


@pytest.mark.django_db
def test_the_tables_escape_names_and_their_links_keep_the_filters(client, world, street_staff):
    """The rows and the area options are written in Python (views.dashboard._table_rows): still escaped."""
    from yishi.areas.models import Area, Unit

    Unit.objects.filter(name="城市管理局").update(name="<i>城市管理局</i>")
    Area.objects.filter(pk=world.tree.community.pk).update(name="裕西社区 & <b>")
    html = get(client, street_staff, DASH, area=world.tree.street.pk, **PERIOD_QS).content.decode()
    assert "&lt;i&gt;城市管理局&lt;/i&gt;" in html and "<i>城市管理局" not in html
    assert "裕西社区 &amp; &lt;b&gt;" in html and "<b>" not in html
    assert f'?area={world.tree.community.pk}&amp;months=3&amp;until=2025-03"' in html
    assert f'<option value="{world.tree.street.pk}" selected>' in html
    # With a category, the child areas' links keep it; the category filter offers every category.
    params = {**PERIOD_QS, "category": world.env_root.pk}
    html = get(client, street_staff, DASH, area=world.tree.street.pk, **params).content.decode()
    assert f'&amp;until=2025-03&amp;category={world.env_root.pk}"' in html
    assert f'<option value="{world.noise.pk}">噪声扰民</option>' in html


@pytest.mark.django_db
def test_the_area_picker_shows_a_new_area_at_once(client, world, street_staff):
    from yishi.core.tests.factories import AreaFactory

    first = get(client, street_staff, DASH, area=world.tree.street.pk, **PERIOD_QS).content.decode()
    assert "新建社区" not in first
    added = AreaFactory(parent=world.tree.street, name="新建社区", level="community")
    html = get(client, street_staff, DASH, area=world.tree.street.pk, **PERIOD_QS).content.decode()
    assert f'<option value="{added.pk}">' in html and "新建社区" in html


@pytest.mark.django_db
def test_default_area_is_the_users_own(client, world, street_staff):
    response = get(client, street_staff, DASH)
    assert response.status_code == 200
    assert response.context["area"] == world.tree.street
    assert len(response.context["trend"]) == 12


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["community_staff", "party_secretary", "auditor", "admin"])
def test_out_of_scope_area_is_404(client, world, role):
    user = user_with_role(role, world.tree.community)
    assert get(client, user, DASH, area=world.tree.community.pk).status_code == 200
    assert get(client, user, DASH, area=world.tree.street.pk).status_code == 404
    assert get(client, user, DASH, area=world.tree.sibling.pk).status_code == 404
    assert get(client, user, DASH, area=999999).status_code == 404
    assert get(client, user, "/cases/dashboard/export.xlsx", area=world.tree.sibling.pk).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["resident", "grid_worker", "department_staff", "deputy"])
def test_dashboard_is_for_staff_auditors_and_admins(client, tree, role):
    user = user_with_role(role, tree.community)
    assert get(client, user, DASH).status_code == 403
    assert get(client, user, "/cases/dashboard/export.xlsx").status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(DASH)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"months": "7"},
        {"months": "abc"},
        {"until": "2025-13"},
        {"until": "yesterday"},
        {"category": "999999"},
        {"area": "x"},
    ],
)
def test_bad_filters_are_400_with_a_field_error(client, tree, street_staff, params):
    response = get(client, street_staff, DASH, **params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert get(client, street_staff, "/cases/dashboard/export.xlsx", **params).status_code == 400
    assert get(client, street_staff, "/cases/ledger.xlsx", **params).status_code == 400


@pytest.mark.django_db
def test_dashboard_query_count_is_pinned_and_does_not_grow(
    client, world, street_staff, django_assert_max_num_queries
):
    client.force_login(street_staff)
    params = {"area": world.tree.street.pk, **PERIOD_QS, "category": world.env_root.pk}
    client.get(DASH, params)  # warm the session and content types
    with CaptureQueriesContext(connection) as before:
        assert client.get(DASH, params).status_code == 200
    for _ in range(5):
        build_case(world.tree.sibling, world.env, due=world.a1.steps.first().due_at, unit=world.dept)
    with django_assert_max_num_queries(26):
        assert client.get(DASH, params).status_code == 200
    with CaptureQueriesContext(connection) as after:
        client.get(DASH, params)
    assert len(after) == len(before)


# ---------------------------------------------------------------- exports


@pytest.mark.django_db
def test_rates_export_holds_the_tables(client, world, street_staff):
    response = get(
        client, street_staff, "/cases/dashboard/export.xlsx", area=world.tree.street.pk, **PERIOD_QS
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = workbook(response)
    assert wb.sheetnames == ["汇总", "按月", "下级区域排名", "单位排名", "按类别"]
    months = list(wb["按月"].iter_rows(values_only=True))
    assert [row[0] for row in months[1:]] == ["2025-01", "2025-02", "2025-03"]
    assert months[2][3] == "—"  # February: no first contact due
    ranking = list(wb["下级区域排名"].iter_rows(values_only=True))
    assert [(row[0], row[1]) for row in ranking[1:]] == [(1, "裕西社区"), (2, "金花社区")]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[-1][0] == "金星镇" and summary[-1][6] == 60.0  # 解决率


def ledger_rows(client, user, **params):
    response = get(client, user, "/cases/ledger.xlsx", **params)
    assert response.status_code == 200
    rows = list(workbook(response).active.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.mark.django_db
def test_ledger_rows_scope_and_filters(client, world, street_staff):
    rows = ledger_rows(client, street_staff)
    numbers = {row["编号"] for row in rows}
    street_cases = {
        c.number
        for c in (world.a1, world.a2, world.a3, world.a4, world.m1, world.p1, world.b1, world.b2, world.b3)
    }
    assert numbers == street_cases  # o1 lies outside 金星镇
    a2 = next(row for row in rows if row["编号"] == world.a2.number)
    assert (a2["类别"], a2["所在区域"], a2["状态"], a2["承办单位"], a2["重办次数"], a2["评价"]) == (
        "噪声扰民",
        "裕西社区",
        "已办结归档",
        "古城卫生院",
        1,
        "基本满意",
    )
    assert a2["归档时间"].strftime("%Y-%m-%d") == "2025-03-05"
    only_jinhua = ledger_rows(client, street_staff, area=world.tree.sibling.pk, category=world.noise.pk)
    assert {row["编号"] for row in only_jinhua} == {world.b2.number, world.b3.number}
    community_staff = user_with_role("community_staff", world.tree.sibling, username="jinhua-staff")
    assert {row["编号"] for row in ledger_rows(client, community_staff)} == {
        world.b1.number,
        world.b2.number,
        world.b3.number,
    }
    assert get(client, community_staff, "/cases/ledger.xlsx", area=world.tree.community.pk).status_code == 404


@pytest.mark.django_db
def test_ledger_masks_the_phone_unless_the_viewer_may_see_contacts(client, world, street_staff):
    row = next(r for r in ledger_rows(client, street_staff) if r["编号"] == world.a1.number)
    assert (row["反映人"], row["联系电话"]) == ("戈兆忠", "13812341234")  # a dispatcher above the case
    auditor = user_with_role("auditor", world.tree.street, username="jinxing-auditor")
    row = next(r for r in ledger_rows(client, auditor) if r["编号"] == world.a1.number)
    assert (row["反映人"], row["联系电话"]) == ("戈*忠", "138****1234")


@pytest.mark.django_db
def test_ledger_period_filter(client, world, street_staff):
    late = build_case(world.tree.community, world.env)  # submitted 2024-12-20 like the others
    rows = ledger_rows(client, street_staff, months=1, until="2024-11")
    assert rows == []
    rows = ledger_rows(client, street_staff, months=1, until="2024-12")
    assert late.number in {row["编号"] for row in rows}


# ---------------------------------------------------------------- settings page


@pytest.mark.django_db
def test_settings_page_saves_and_shows_field_errors(client, tree):
    admin = user_with_role("admin", tree.district, username="rates-admin")
    client.force_login(admin)
    assert client.get("/cases/dashboard/settings/").status_code == 200
    bad = {
        "basic_weight": "1.5",
        "response_weight": "10",
        "resolution_weight": "50",
        "satisfaction_weight": "30",
        "rating_window_days": "7",
    }
    response = client.post("/cases/dashboard/settings/", bad)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "basic_weight" in errors and "satisfaction_weight" in errors
    assert not RateSettings.objects.exists()
    good = {**bad, "basic_weight": "0.9", "satisfaction_weight": "40"}
    response = client.post("/cases/dashboard/settings/", good)
    assert response.status_code == 302
    assert str(RateSettings.current().basic_weight) == "0.90"


@pytest.mark.django_db
def test_settings_page_is_for_admins_only(client, tree, street_staff):
    client.force_login(street_staff)
    assert client.get("/cases/dashboard/settings/").status_code == 403
    assert client.post("/cases/dashboard/settings/", {}).status_code == 403


# ---------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_staff_reads_the_dashboard(page, live_server, tree):
    from playwright.sync_api import expect

    world = build_world(tree)
    user = user_with_role("street_staff", tree.street, username="jinxing-browser")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "yishi-demo")
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/cases/dashboard/")
    expect(page.get_by_test_id("dash-area")).to_have_text("金星镇")
    expect(page.get_by_test_id("trend-row")).to_have_count(12)

    page.get_by_test_id("filter-months").select_option("3")
    page.get_by_test_id("filter-until").fill("2025-03")
    page.get_by_test_id("filter-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("trend-row")).to_have_count(3)
    expect(page.get_by_test_id("dash-period")).to_contain_text("2025-01")
    rows = page.get_by_test_id("child-rank-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(world.tree.community.name)
    expect(rows.nth(1)).to_contain_text(world.tree.sibling.name)
    expect(page.get_by_test_id("rate-resolution")).to_have_text("60.0%")
    chart = page.get_by_test_id("chart-composite").locator("svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline").first).to_be_attached()
    expect(chart.locator("title").first).to_have_text("综合得分月度趋势")
