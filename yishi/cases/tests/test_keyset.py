"""Keyset pagination under concurrent inserts: walking every page of the staff case list and of the API list
while new cases arrive between the page fetches (newer ones, and ones with exactly the timestamp of a case
already listed — ties are where a cursor on the timestamp alone goes wrong) sees every case that existed at
the start exactly once, repeats nothing and keeps the order (submitted_at desc, id desc). Also: the Open311
list (offset pages, as GeoReport v2 has no cursor) with a pinned ``end_date``, and ``parse_keyset`` on garbage.
"""

import datetime as dt
import random
import string

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from yishi.cases import selectors
from yishi.cases.models import Case
from yishi.cases.tests.factories import CategoryFactory, make_case

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2025, 3, 1, 8, 0))
PAGE = 4


class World:
    """Cases on a few distinct timestamps (many ties), and a way to add more between page fetches."""

    def __init__(self, tree, seed: int):
        self.tree = tree
        self.rng = random.Random(seed)
        self.category = CategoryFactory(key="environment", name="环境卫生")
        self.times = [START + dt.timedelta(minutes=m) for m in range(6)]
        for i in range(22):
            self.add(self.rng.choice(self.times), f"诉求{i}")
        self.initial = list(Case.objects.values_list("pk", flat=True))

    def add(self, at: dt.datetime, title: str = "新诉求") -> Case:
        area = self.rng.choice([self.tree.building, self.tree.grid, self.tree.community])
        return make_case(area, category=self.category, title=title, submitted_at=at)

    def insert_between_pages(self, last_seen: Case | None) -> None:
        """One to three new cases: newer than all, tied with the last row shown, or tied with any row."""
        for _ in range(self.rng.randint(1, 3)):
            kind = self.rng.choice(["newer", "tie-last", "tie-any"])
            if kind == "newer":
                self.add(timezone.now())
            elif kind == "tie-last" and last_seen is not None:
                self.add(last_seen.submitted_at)
            else:
                self.add(self.rng.choice(self.times))


def check_walk(world: World, seen: list[Case]) -> None:
    ids = [c.pk for c in seen]
    assert len(ids) == len(set(ids)), "a case was listed twice"
    missing = set(world.initial) - set(ids)
    assert not missing, f"cases skipped: {sorted(missing)}"
    keys = [(c.submitted_at, c.pk) for c in seen]
    assert all(a > b for a, b in zip(keys, keys[1:], strict=False)), (
        "not strictly (submitted_at desc, id desc)"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_staff_case_list_pages_never_skip_or_repeat(tree, staff, seed):
    world = World(tree, seed)
    seen: list[Case] = []
    before = None
    while True:
        page = selectors.case_list(user=staff, before=before, limit=PAGE)
        seen += page
        if len(page) < PAGE:
            break
        world.insert_between_pages(page[-1])
        # The page writes its cursor as ``<iso>_<id>`` and reads it back through parse_keyset.
        before = selectors.parse_keyset(f"{page[-1].submitted_at.isoformat()}_{page[-1].pk}")
    check_walk(world, seen)


@pytest.mark.parametrize("seed", [1, 2])
def test_street_and_district_lists_never_skip_or_repeat(tree, seed):
    """Above community level the area branch is written so that SQLite walks the time index
    (``selectors._walkable``); the pages must be the same walk, filtered by an area or not."""
    from yishi.core.tests.factories import user_with_role

    street = user_with_role("street_staff", tree.street, username="walk-street")
    district = user_with_role("admin", tree.district, username="walk-district")
    for user, area in ((street, None), (district, None), (district, tree.street)):
        world = World(tree, seed)
        seen, before = [], None
        while True:
            page = selectors.case_list(user=user, area=area, before=before, limit=PAGE)
            seen += page
            if len(page) < PAGE:
                break
            world.insert_between_pages(page[-1])
            before = (page[-1].submitted_at, page[-1].pk)
        check_walk(world, seen)
        Case.objects.all().delete()


def test_staff_case_list_page_links_never_skip_or_repeat(client, tree, staff):
    world = World(tree, 7)
    Case.objects.filter(pk__in=world.initial[:2]).delete()  # keep the view's page of 20 + a few
    world.initial = world.initial[2:]
    client.force_login(staff)
    seen, query = [], ""
    for _ in range(10):
        response = client.get(reverse("cases:list") + ("?" + query if query else ""))
        shown = Case.objects.in_bulk([r["id"] for r in response.context["rows"]])
        rows = [shown[r["id"]] for r in response.context["rows"]]  # in the order the page shows them
        seen += rows
        query = response.context["next_query"]
        if not query:
            break
        world.insert_between_pages(rows[-1])
    check_walk(world, seen)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_api_cursor_pages_never_skip_or_repeat(tree, staff, seed):
    world = World(tree, seed)
    api = APIClient()
    api.force_authenticate(staff)
    url, numbers, last = f"/api/v1/cases/?page_size={PAGE}", [], None
    while url:
        body = api.get(url).json()
        numbers += [row["number"] for row in body["results"]]
        url = body["next"]
        if body["results"]:
            last = Case.objects.get(number=body["results"][-1]["number"])
        world.insert_between_pages(last)
    by_number = Case.objects.in_bulk(numbers, field_name="number")
    check_walk(world, [by_number[n] for n in numbers])


def test_api_previous_link_goes_back_to_the_same_rows(tree, staff):
    World(tree, 4)
    api = APIClient()
    api.force_authenticate(staff)
    first = api.get(f"/api/v1/cases/?page_size={PAGE}").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["number"] for r in back["results"]] == [r["number"] for r in first["results"]]
    assert api.get("/api/v1/cases/?cursor=garbage").status_code == 404  # DRF: an invalid cursor


def test_open311_pages_with_a_pinned_end_date_never_skip_or_repeat(client, tree):
    world = World(tree, 5)
    end = (START + dt.timedelta(hours=1)).isoformat()
    seen = []
    for page in range(1, 20):
        rows = client.get(
            "/open311/v2/requests.json", {"end_date": end, "page": page, "page_size": PAGE}
        ).json()
        seen += [row["service_request_id"] for row in rows]
        if len(rows) < PAGE:
            break
        world.add(timezone.now())  # new cases arrive after the pinned end_date
    by_number = Case.objects.in_bulk(seen, field_name="number")
    check_walk(world, [by_number[n] for n in seen])


def test_parse_keyset_never_raises_on_garbage():
    rng = random.Random(6)
    alphabet = string.printable + "年月日_:-+TZ\x00\u200b"
    samples = [
        "",
        "_",
        "_1",
        "x_1",
        "2025-03-01T08:00:00_0",
        "2025-03-01T08:00:00_-1",
        "2025-03-01T08:00:00_99999999999999999999",
        "9999-12-31T23:59:59_1",
        "0001-01-01T00:00:00_1",
        "2025-02-30T08:00:00_1",
        "2025-03-01T25:00:00_1",
        "2025-03-01T08:00:00+99:00_1",
        "2025-03-01T08:00:00_1_2",
        "２０２５-03-01_１",
    ]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    samples += [
        f"{START.isoformat()}{rng.choice(['', '_', '__'])}{rng.randint(-5, 2**64)}" for _ in range(100)
    ]
    for value in samples:
        parsed = selectors.parse_keyset(value)
        assert parsed is None or (timezone.is_aware(parsed[0]) and 0 < parsed[1] <= 2**63 - 1), value
    assert selectors.parse_keyset(f"{START.isoformat()}_12") == (START, 12)


def test_list_pages_answer_garbage_cursors_without_500(client, tree, staff):
    World(tree, 8)
    client.force_login(staff)
    api = APIClient()
    api.force_authenticate(staff)
    rng = random.Random(9)
    for _ in range(10):
        junk = "".join(rng.choice(string.printable + "年_") for _ in range(rng.randint(0, 30)))
        assert client.get(reverse("cases:list"), {"before": junk}).status_code in (200, 400)
        assert api.get("/api/v1/cases/", {"cursor": junk}).status_code in (200, 404)


def test_first_rows_merges_overlapping_branches_and_skips_empty_ones(tree, staff, django_assert_num_queries):
    """The branches' pages in one query: a row two branches find comes once, a branch that can hold nothing
    (an IN over no ids) is left out, no branch at all is no row, and the order is ``qs``'s."""
    from django.db.models import Q

    world = World(tree, 5)
    qs = Case.objects.order_by("-submitted_at", "-id")
    every = list(qs.values_list("pk", flat=True))
    some, others = every[::2], every[1::3]
    branches = [Q(pk__in=some), Q(pk__in=others), Q(pk__in=[]), Q(pk__in=some)]
    expected = [pk for pk in every if pk in set(some) | set(others)][:7]
    with django_assert_num_queries(1):
        rows = selectors.first_rows(qs, branches, limit=7, key=("submitted_at", "id"))
    assert [c.pk for c in rows] == expected
    keys = selectors.first_rows(qs, branches, limit=7, key=("submitted_at", "id"), keys=True)
    assert [pk for _at, pk in keys] == expected
    dicts = selectors.first_rows(qs, branches, limit=7, key=("submitted_at", "id"), columns=("id", "title"))
    assert [d["id"] for d in dicts] == expected and set(dicts[0]) == {"id", "title"}
    with django_assert_num_queries(0):
        assert selectors.first_rows(qs, [Q(pk__in=[])], limit=7, key=("submitted_at", "id")) == []
        assert selectors.first_rows(qs, [], limit=7, key=("submitted_at", "id")) == []
    assert len(world.initial) == len(every)


def test_each_branch_page_is_the_page_of_the_whole_query_with_that_branch(tree, staff, monkeypatch):
    """``_branch_pages`` compiles the page once and each branch's condition alone: every branch kind a list
    has (a subtree, a unit, a subquery of ids, one's own cases, parameters before and after the mark), a
    branch needing a join, one matching every row and one that can hold nothing give the rows the page
    compiled whole with that branch gives."""
    from django.db import connection
    from django.db.models import Q, QuerySet

    from yishi.areas.models import subtree_q

    World(tree, 11)
    first = Case.objects.order_by("pk").first()
    qs = Case.objects.filter(submitted_at__gte=START, title__startswith="诉").order_by("-submitted_at", "-id")
    branches = [
        subtree_q(tree.grid.path, "area_path"),
        Q(handler_unit_id=first.handler_unit_id) | Q(reporter_id=first.reporter_id),
        Q(pk__in=Case.objects.filter(area=tree.community).values("pk")),
        Q(recorded_by_id=staff.pk) | Q(is_open=True, status="submitted"),
        Q(category__key="environment"),  # a join: compiled whole
        ~Q(pk__in=[]),  # every row
        Q(pk__in=[]),  # nothing: left out
    ]
    filtered = []
    plain_filter = QuerySet.filter
    monkeypatch.setattr(
        QuerySet, "filter", lambda self, *a, **k: filtered.append(a) or plain_filter(self, *a, **k)
    )
    pages = selectors._branch_pages(qs, branches, 5, ("submitted_at", "id"), connection)
    monkeypatch.undo()
    assert len(pages) == len(branches) - 1
    # The page once with the mark; whole only the branch with a join and the one matching every row.
    assert len(filtered) == 3
    wanted = [list(qs.filter(b).values_list("submitted_at", "id")[:5]) for b in branches[:-1]]
    with connection.cursor() as cursor:
        for (sql, params), rows in zip(pages, wanted, strict=True):
            cursor.execute(sql, params)
            assert [pk for _at, pk in cursor.fetchall()] == [pk for _at, pk in rows]
    assert any(rows for rows in wanted)


def test_rows_statement_reads_what_the_queryset_reads(tree, staff, monkeypatch, django_assert_num_queries):
    """The rows' statement compiled once per worker (``_rows_statement``) gives the rows, values and types
    (times, marks, named tuples) the queryset gives, in one query (two with a prepared statement: the ids,
    then the rows); read again, nothing is compiled anew; a ``qs`` with its own annotations is read as a
    queryset."""
    from django.db.models import Count, Q, QuerySet

    from yishi.cases.views.staff import LIST_COLUMNS, _list_expressions

    World(tree, 13)
    qs = Case.objects.filter(is_open=True).order_by("-submitted_at", "-id")
    branches = [Q(area_path__startswith=tree.community.path), Q(recorded_by_id=staff.pk)]
    columns = ("id", "submitted_at", *LIST_COLUMNS)
    expressions = _list_expressions()
    ids = list(qs.filter(branches[0] | branches[1]).values_list("pk", flat=True)[:6])
    by_queryset = list(
        Case.objects.filter(pk__in=ids)
        .order_by("-submitted_at", "-id")
        .annotate(**expressions)
        .values(*columns, *expressions)
    )
    assert any(row["next_due"] for row in by_queryset)
    key = ("submitted_at", "id")
    with django_assert_num_queries(selectors.reads_per_list()):
        rows = selectors.first_rows(qs, branches, limit=6, key=key, columns=columns, expressions=expressions)
    assert rows == by_queryset
    assert [type(v) for v in rows[0].values()] == [type(v) for v in by_queryset[0].values()]
    annotated = []
    plain_annotate = QuerySet.annotate
    monkeypatch.setattr(
        QuerySet, "annotate", lambda self, *a, **k: annotated.append(k) or plain_annotate(self, *a, **k)
    )
    again = selectors.first_rows(qs, branches, limit=6, key=key, columns=columns, expressions=expressions)
    monkeypatch.undo()
    assert again == by_queryset and annotated == []
    named = selectors.first_rows(qs, branches, limit=6, key=key, columns=("id", "title"), named=True)
    assert [(r.id, r.title) for r in named] == [(r["id"], r["title"]) for r in by_queryset]
    counted = qs.annotate(step_count=Count("steps"))
    assert selectors._rows_statement(counted, ("id", "step_count"), None, False, 6) is None
    rows = selectors.first_rows(counted, branches, limit=6, key=key, columns=("id", "step_count"))
    assert [r["id"] for r in rows] == ids and all(r["step_count"] >= 1 for r in rows)


def test_branch_conditions_are_compiled_once_per_worker(tree, staff, monkeypatch):
    """An equal branch built again (the next request's) takes the condition compiled the first time; a
    branch over a subquery equals only itself and is compiled each time, with its own ids."""
    from django.db import connection
    from django.db.models import Q
    from django.db.models.sql import Query

    compiled = []
    plain = Query.build_where
    monkeypatch.setattr(Query, "build_where", lambda self, q: compiled.append(q) or plain(self, q))
    selectors._BRANCH_WHERES.clear()
    first = selectors._branch_where(Case, Q(recorded_by_id=staff.pk), connection)
    assert selectors._branch_where(Case, Q(recorded_by_id=staff.pk), connection) == first
    assert len(compiled) == 1
    other = selectors._branch_where(Case, Q(recorded_by_id=staff.pk + 1), connection)
    assert other[1] == [staff.pk + 1]
    for area in (tree.grid, tree.community):
        subquery = Q(pk__in=Case.objects.filter(area=area).values("pk"))
        selectors._branch_where(Case, subquery, connection)
    assert len(compiled) == 4
    # A user's branches built again are equal to the first ones, those over a subquery (the cases merged
    # from one's own) included: the next request compiles none of them.
    branches = selectors.case_visible_branches(staff)
    assert selectors.case_visible_branches(staff) == branches
    assert any(c[0] == "pk__in" for b in branches for c in b.children if isinstance(c, tuple))
    for branch in branches:
        selectors._branch_where(Case, branch, connection)
    compiled.clear()
    for branch in selectors.case_visible_branches(staff):
        selectors._branch_where(Case, branch, connection)
    assert compiled == []


def test_rows_are_read_by_a_statement_prepared_once_per_connection(tree, staff):
    """On PostgreSQL the rows' statement is prepared the first time a connection reads it, with its first
    execution, and only executed after; a connection that lost it (a new one) prepares it again under a
    name of its own, so that a statement left over from a failed first execution never stands in the way."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    if selectors.reads_per_list() != 2:
        pytest.skip("rows are read by a prepared statement on PostgreSQL only")
    World(tree, 17)
    qs = Case.objects.order_by("-submitted_at", "-id")
    branches = [Q(area_path__startswith=tree.community.path)]

    def read():
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.first_rows(
                qs, branches, limit=9, key=("submitted_at", "id"), columns=("id", "title")
            )
        return rows, queries[-1]["sql"]

    rows, sql = read()
    expected = list(qs.filter(branches[0]).values("id", "title")[:9])
    assert rows == expected and len(rows) == 9
    again, executed = read()
    assert again == rows and executed.startswith("EXECUTE ")
    first_name = executed.split()[1].split("(")[0]
    selectors._PREPARED.pop(connection.connection)  # as on a new connection, the old statement still there
    anew, prepared = read()
    assert anew == rows and prepared.startswith("PREPARE ") and first_name not in prepared


def test_rows_without_prepared_statements_are_one_query(tree, staff, settings, django_assert_num_queries):
    """``YISHI_PG_PREPARED`` off (behind a transaction pooler), a list reads its ids and rows in one query,
    the same rows, even where a prepared statement of the same list was compiled before."""
    from django.db.models import Q

    World(tree, 19)
    qs = Case.objects.order_by("-submitted_at", "-id")
    branches = [Q(area_path__startswith=tree.community.path)]

    def read():
        return selectors.first_rows(
            qs, branches, limit=8, key=("submitted_at", "id"), columns=("id", "title")
        )

    expected = list(qs.filter(branches[0]).values("id", "title")[:8])
    assert read() == expected
    settings.YISHI_PG_PREPARED = False
    with django_assert_num_queries(1):
        assert read() == expected
