"""The ledger export at scale: the streamed CSV (BOM, same columns and masking as the workbook), the workbook
split into sheets at Excel's row limit, formulas never run from residents' text, the contact rule decided
without a query per row, and a query count that does not grow with the rows.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yishi.cases import rules
from yishi.cases.models import Case, Rating, RatingValue
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.views import dashboard
from yishi.core.tests.factories import PersonFactory, UnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADER = [str(h) for h in dashboard.LEDGER_HEADER]


@pytest.fixture
def street_staff(tree):
    return user_with_role("street_staff", tree.street, username="jinxing-staff")


def new_case(tree, **kwargs):
    kwargs.setdefault("category", CategoryFactory(key="env", name="环境卫生"))
    kwargs.setdefault("reporter_name", "戈兆忠")
    kwargs.setdefault("reporter_phone", "13812341234")
    return make_case(tree.building, **kwargs)


def csv_rows(client, user, url="/cases/ledger.csv", **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ledger-' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"))))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def xlsx_sheets(client, user, **params):
    client.force_login(user)
    response = client.get("/cases/ledger.xlsx", params)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}


def test_urls():
    assert reverse("cases:ledger_csv") == "/cases/ledger.csv"


def test_csv_has_the_workbooks_columns_rows_and_masking(client, tree, street_staff):
    first = new_case(tree, title="楼道堆物")
    second = new_case(tree, title="路灯不亮", reporter_name="马小明", reporter_phone="13900001111")
    anonymous = new_case(tree, title="噪声", is_anonymous=True, reporter_name="", reporter_phone="")
    Rating.objects.create(
        case=first, source_case=first, value=RatingValue.BASIC, round=0, rated_at=first.submitted_at
    )
    # Every timestamp, past midnight in Beijing (the day before, in UTC): PostgreSQL writes the CSV's times
    # itself (``_LocalText``), the workbook's come from Python; both cut the seconds. A day fraction is read
    # back rounded to the millisecond, so 45.9997 s uncut would read 46 s (as now's time did, once in CI).
    moment = dt.datetime(2026, 3, 1, 16, 30, 45, 999700, tzinfo=dt.UTC)
    stamps = {name: moment + dt.timedelta(hours=i) for i, name in enumerate(dashboard._LEDGER_TIMES)}
    Case.objects.filter(pk=first.pk).update(**stamps)
    sheet = xlsx_sheets(client, street_staff)["诉求台账"]
    workbook_rows = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    rows = csv_rows(client, street_staff)
    assert [r["编号"] for r in rows] == [anonymous.number, second.number, first.number]  # newest first
    assert [r["编号"] for r in rows] == [r["编号"] for r in workbook_rows]
    for row, cells in zip(rows, workbook_rows, strict=True):
        for name in HEADER:
            value = cells[name]
            expected = value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else value
            assert row[name] == ("" if expected is None else str(expected)), name
    by_number = {r["编号"]: r for r in rows}
    assert (by_number[first.number]["评价"], by_number[first.number]["反映人"]) == ("基本满意", "戈兆忠")
    assert by_number[first.number]["提交时间"] == "2026-03-02 00:30:45"
    assert by_number[first.number]["办结时间"] == "2026-03-02 03:30:45"
    assert by_number[anonymous.number]["反映人"] == "匿名" and by_number[anonymous.number]["联系电话"] == ""
    auditor = user_with_role("auditor", tree.street, username="jinxing-auditor")
    masked = {r["编号"]: r for r in csv_rows(client, auditor)}
    assert (masked[second.number]["反映人"], masked[second.number]["联系电话"]) == ("马*明", "139****1111")
    # format=csv on the workbook's address gives the same file; the filters apply to the CSV too.
    assert csv_rows(client, street_staff, url="/cases/ledger.xlsx", format="csv") == rows
    assert csv_rows(client, street_staff, area=tree.sibling.pk) == []


def test_csv_times_are_local_and_cut_to_the_second(client, tree, street_staff):
    case = new_case(tree)
    moment = dt.datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=dt.UTC)
    stamps = {name: moment + dt.timedelta(minutes=i) for i, name in enumerate(dashboard._LEDGER_TIMES)}
    Case.objects.filter(pk=case.pk).update(**stamps)
    with CaptureQueriesContext(connection) as queries:
        (row,) = csv_rows(client, street_staff)
    if connection.vendor == "postgresql":  # the times written by the database, not parsed row by row
        assert any("to_char(" in q["sql"] for q in queries.captured_queries)
    columns = ["提交时间", "受理时间", "首次联系时间", "办结时间", "答复时间", "归档时间"]
    expected = [
        timezone.localtime(stamps[n]).replace(tzinfo=None).isoformat(" ", "seconds")
        for n in dashboard._LEDGER_TIMES
    ]
    assert [row[c] for c in columns] == expected
    assert row["提交时间"] == "2026-12-31 23:59:59" and row["受理时间"] == "2027-01-01 00:00:59"


@pytest.mark.parametrize("params", [{"format": "pdf"}, {"months": "7"}, {"category": "999999"}])
def test_bad_filters_are_400_with_a_field_error(client, tree, street_staff, params):
    client.force_login(street_staff)
    response = client.get("/cases/ledger.csv", params)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_out_of_scope_area_is_404(client, tree):
    community_staff = user_with_role("community_staff", tree.sibling, username="jinhua-staff")
    client.force_login(community_staff)
    assert client.get("/cases/ledger.csv", {"area": tree.community.pk}).status_code == 404


def test_the_header_goes_out_before_the_cases_are_read(client, tree, street_staff):
    new_case(tree)
    client.force_login(street_staff)
    response = client.get("/cases/ledger.csv")
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert first == codecs.BOM_UTF8 + (",".join(HEADER) + "\r\n").encode()
    assert len(queries) == 0
    assert b"".join(chunks).count(b"\r\n") == 1


def test_csv_rows_come_in_chunks(client, tree, street_staff, monkeypatch):
    monkeypatch.setattr(dashboard, "LEDGER_CHUNK", 2)
    for i in range(5):
        new_case(tree, title=f"诉求{i}")
    client.force_login(street_staff)
    chunks = list(client.get("/cases/ledger.csv").streaming_content)
    assert [c.count(b"\r\n") for c in chunks] == [1, 2, 2, 1]


def test_workbook_continues_on_a_new_sheet_at_the_row_limit(client, tree, street_staff, monkeypatch):
    monkeypatch.setattr(dashboard, "XLSX_MAX_ROWS", 3)  # a header and two cases per sheet
    cases = [new_case(tree, title=f"诉求{i}") for i in range(5)]
    sheets = xlsx_sheets(client, street_staff)
    assert list(sheets) == ["诉求台账", "诉求台账（2）", "诉求台账（3）"]
    assert all(rows[0] == tuple(HEADER) for rows in sheets.values())
    numbers = [row[0] for rows in sheets.values() for row in rows[1:]]
    assert numbers == [c.number for c in reversed(cases)]
    monkeypatch.setattr(dashboard, "XLSX_MAX_ROWS", 1_048_576)
    Case.objects.all().delete()
    assert xlsx_sheets(client, street_staff) == {"诉求台账": [tuple(HEADER)]}


def test_residents_text_is_never_a_formula(client, tree, street_staff):
    case = new_case(tree, title='=HYPERLINK("http://x","点我")', address="@SUM(A1)", reporter_name="-2+3")
    Case.objects.filter(pk=case.pk).update(title="=1+1\x07")  # a control character openpyxl refuses
    row = xlsx_sheets(client, street_staff)["诉求台账"][1]
    assert (row[1], row[6], row[17]) == ("=1+1", "@SUM(A1)", "-2+3")  # text cells, not formulas
    row = csv_rows(client, street_staff)[0]
    assert (row["标题"], row["详细地址"], row["反映人"]) == ("'=1+1\x07", "'@SUM(A1)", "'-2+3")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_the_rows(client, tree, street_staff, fmt):
    unit = UnitFactory(area=tree.street, name="城市管理局")

    def add(n):
        for i in range(n):
            case = new_case(tree, title=f"诉求{i}")
            Case.objects.filter(pk=case.pk).update(handler_unit=unit)
            Rating.objects.create(
                case=case, source_case=case, value=RatingValue.SATISFIED, round=0, rated_at=case.submitted_at
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/cases/ledger.csv", {"format": fmt})
            b"".join(response.streaming_content)
        return len(queries)

    client.force_login(street_staff)
    add(2)
    count()  # warm the session
    small = count()
    add(4)
    assert count() == small
    assert small <= 5  # session, user, grants, the rows; nothing per row


def test_contact_checker_decides_as_can_see_contact(tree):
    """Every pair of a mix of users and cases: the precomputed rule equals ``can_see_contact``."""
    rng = random.Random(6)
    unit = UnitFactory(area=tree.street, name="城市管理局")
    other_unit = UnitFactory(area=tree.sibling, name="金花物业")
    reporter = PersonFactory(home_area=tree.building)
    recorder = user_with_role("grid_worker", tree.grid, username="grid")
    users = [
        AnonymousUser(),
        UserFactory(is_superuser=True, username="root"),
        UserFactory(person=reporter, username="reporter"),
        recorder,
        user_with_role("community_staff", tree.community, username="yuxi"),
        user_with_role("street_staff", tree.street, username="street"),
        user_with_role("party_secretary", tree.sibling, username="jinhua-secretary"),
        user_with_role("auditor", tree.street, username="auditor"),
        user_with_role("deputy", tree.community, username="deputy"),
        user_with_role("department_staff", tree.street, unit=unit, username="city"),
        user_with_role("department_staff", tree.sibling, unit=other_unit, username="far"),
        user_with_role("admin", tree.district, username="admin"),
    ]
    levels = [tree.community, tree.street, tree.district, tree.sibling]
    cases = []
    for i, (level, handler, recorded, reported) in enumerate(
        itertools.product(levels, [None, unit, other_unit], [None, recorder], [None, reporter])
    ):
        area = rng.choice([tree.building, tree.grid, tree.sibling_grid])
        case = make_case(area, title=f"诉求{i}", reporter_name="戈兆忠")
        Case.objects.filter(pk=case.pk).update(
            level_area=level,
            level_path=level.path,
            handler_unit=handler,
            recorded_by=recorded,
            reporter=reported,
        )
        cases.append(Case.objects.select_related("handler_unit").get(pk=case.pk))
    rows = {r.number: r for r in dashboard._ledger_values(Case.objects.all())}
    seen = set()
    for user in users:
        checker = rules.contact_checker(user)
        for case in cases:
            expected = rules.can_see_contact(user, case)
            assert checker(case) == expected, (user, case.level_path, case.handler_unit_id)
            assert checker(rows[case.number]) == expected
            seen.add(expected)
    assert seen == {True, False}


def test_contact_checker_does_not_query(tree, django_assert_num_queries):
    user = user_with_role("street_staff", tree.street, username="street")
    case = new_case(tree)
    row = dashboard._ledger_values(Case.objects.filter(pk=case.pk))[0]
    with django_assert_num_queries(1):  # the grants, once
        checker = rules.contact_checker(user)
    with django_assert_num_queries(0):
        assert all(checker(row) for _ in range(10))


def test_dashboard_offers_the_csv_next_to_the_workbook(client, tree, street_staff):
    client.force_login(street_staff)
    html = client.get("/cases/dashboard/", {"months": 3}).content.decode()
    assert 'data-testid="export-ledger"' in html
    assert 'href="/cases/ledger.csv?months=3"' in html and "导出诉求台账（CSV）" in html
