"""Chinese full-text search of cases (``cases.search``): tokens, the keyword filter of the case list and the
ledger, scope, keyset order, re-indexing on writes, input that looks like query syntax, and the index itself
(PostgreSQL GIN, SQLite FTS5 and its triggers)."""

import datetime as dt
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yishi.cases import search
from yishi.cases.models import Case
from yishi.cases.search import filter_cases, fts5_query, query_tokens, tokens_for
from yishi.cases.selectors import case_list
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.core.tests.factories import user_with_role

NOISE = "小区楼下的饭店每天夜里十一点以后还在施工，噪音太大，老人孩子都睡不着觉。"
PARKING = "单元门口停车难，电动车乱停乱放，消防通道被堵。"

# Input that means something to FTS5 or tsquery syntax, or to SQL: all of it must be searched as text.
HOSTILE = [
    "'",
    '"',
    "&",
    "|",
    "!",
    ":*",
    "NEAR",
    "*",
    "噪音' OR '1'='1",
    '"噪音" OR *',
    "a & !b | c:*",
    "NEAR(噪音 停车)",
    "-",
    "^",
    "()",
]


# ---------------------------------------------------------------- tokens


def test_tokens_hold_words_and_their_parts_lower_cased_without_punctuation():
    tokens = tokens_for("中华人民共和国", "WiFi 信号差！3号楼", NOISE).split(" ")
    assert {"中华人民共和国", "中华", "人民", "共和国"} <= set(tokens)  # search mode: the word and its parts
    assert {"噪音", "施工", "wifi", "3", "号楼"} <= set(tokens)
    assert not {"！", "，", "。", " ", ""} & set(tokens)
    assert len(tokens) == len(set(tokens))


def test_a_case_number_is_one_token_and_its_parts():
    tokens = tokens_for("2026-640302-000123").split(" ")
    assert tokens == ["2026640302000123", "2026", "640302", "000123"]
    assert query_tokens("2026-640302-000123") == ["2026640302000123"]
    assert query_tokens(" 000123 ") == ["000123"]


def test_query_tokens_cut_the_query_and_drop_punctuation():
    assert query_tokens("夜间噪音") == ["夜间", "噪音"]
    assert query_tokens("WiFi，3号楼") == ["wifi", "3", "号楼"]
    assert query_tokens("！？。, ;") == []
    assert query_tokens("") == []


def test_fts5_query_quotes_every_token():
    assert fts5_query(["噪音", 'a"b', "near"]) == '"噪音" "a""b" "near"'


def test_long_texts_keep_tokens_within_reason():
    text = (NOISE + PARKING) * 60  # about 4,000 characters
    tokens = tokens_for("2026-640302-000001", "标题", text[:4000], "古城巷5号楼")
    assert len(tokens) < 1000  # de-duplicated: the same few dozen words
    assert all(len(t) <= search.MAX_TOKEN_LENGTH for t in tokens_for("x" * 500 + " 噪音").split(" "))


# ---------------------------------------------------------------- the case list


@pytest.fixture
def w(tree, staff):
    x = SimpleNamespace(tree=tree, staff=staff)
    x.category = CategoryFactory(key="environment", name="环境卫生")
    now = timezone.now()
    x.noise = make_case(
        tree.building, category=x.category, title="夜间施工扰民", text=NOISE, submitted_at=now
    )
    x.parking = make_case(
        tree.grid,
        category=x.category,
        title="停车难",
        text=PARKING,
        address="古城巷5号楼",
        submitted_at=now - dt.timedelta(hours=1),
    )
    x.sibling = make_case(
        tree.sibling_grid,
        category=x.category,
        title="广场噪音",
        text="广场舞音响噪音太大",
        submitted_at=now - dt.timedelta(hours=2),
    )
    x.street_staff = user_with_role("street_staff", tree.street, username="jinxing-staff")
    return x


def found(user, q, **kwargs):
    return [c.pk for c in case_list(user=user, q=q, **kwargs)]


@pytest.mark.django_db
def test_two_character_words_inside_a_sentence_are_found(w):
    assert found(w.street_staff, "噪音") == [w.noise.pk, w.sibling.pk]  # newest first
    assert found(w.street_staff, "停车") == [w.parking.pk]
    assert found(w.street_staff, "消防通道") == [w.parking.pk]
    assert found(w.street_staff, "古城巷") == [w.parking.pk]  # the address is indexed too
    assert found(w.street_staff, "垃圾") == []


@pytest.mark.django_db
def test_every_word_must_match(w):
    assert found(w.street_staff, "噪音 施工") == [w.noise.pk]
    assert found(w.street_staff, "噪音 停车") == []


@pytest.mark.django_db
def test_case_number_whole_and_in_part(w):
    assert found(w.street_staff, w.parking.number) == [w.parking.pk]
    assert found(w.street_staff, w.parking.number.split("-")[-1]) == [w.parking.pk]
    assert found(w.street_staff, w.parking.number + "9") == []


@pytest.mark.django_db
def test_search_keeps_scope_area_filter_and_keyset_order(w):
    assert found(w.staff, "噪音") == [w.noise.pk]  # 裕西社区's staff do not see 金花社区's case
    assert found(w.street_staff, "噪音", area=w.tree.sibling) == [w.sibling.pk]
    first = case_list(user=w.street_staff, q="噪音", limit=1)
    assert [c.pk for c in first] == [w.noise.pk]
    after = (first[0].submitted_at, first[0].pk)
    assert found(w.street_staff, "噪音", before=after, limit=1) == [w.sibling.pk]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the newest-first window is SQLite's")
@pytest.mark.parametrize("size", [1, 2, 5, 9, 24, 60])
def test_sqlite_window_of_newest_cases_gives_the_same_pages_as_the_whole_set(w, monkeypatch, size):
    """search.window_size / window_q: whatever the window's size, every page of every list (two scopes,
    ties in time, a filter, next pages by keyset) is the page the set of all matches gives."""
    from yishi.cases import selectors

    now = timezone.now()
    areas = [w.tree.building, w.tree.grid, w.tree.sibling_grid]
    for n in range(45):
        # Three cases share each moment (ties broken by id); every third holds 噪音, every fifth 停车.
        words = ("噪音" if n % 3 == 0 else "施工") + (" 停车" if n % 5 == 0 else "")
        make_case(
            areas[n % 3],
            category=w.category,
            title=f"第{n}件",
            text=f"反映{words}问题",
            submitted_at=now - dt.timedelta(minutes=10 * (n // 3)),
        )

    def pages(user, q, limit, **filters):
        out, before = [], None
        while True:
            rows = case_list(user=user, q=q, before=before, limit=limit, **filters)
            out.append([c.pk for c in rows])
            if len(rows) < limit:
                return out
            before = (rows[-1].submitted_at, rows[-1].pk)

    cases = [
        (w.street_staff, "噪音", 4, {}),
        (w.street_staff, "噪音", 7, {"area": w.tree.sibling}),
        (w.staff, "噪音", 3, {}),
        (w.street_staff, "噪音 停车", 2, {}),
        (w.staff, "施工", 5, {}),
    ]
    monkeypatch.setattr(selectors, "window_size", lambda *a, **k: None)
    expected = [pages(user, q, limit, **f) for user, q, limit, f in cases]
    monkeypatch.setattr(selectors, "window_size", lambda *a, **k: size)
    assert [pages(user, q, limit, **f) for user, q, limit, f in cases] == expected
    assert sum(len(p) for p in expected[0]) == 15 + 2  # 噪音: 15 of the 45, and two of w's three


@pytest.mark.django_db
def test_sqlite_window_size_follows_how_common_the_query_is(w):
    for n in range(20):
        make_case(w.tree.grid, category=w.category, title=f"噪音{n}", text="夜里噪音")
    size = search.window_size("default", "噪音", limit=2)
    if connection.vendor != "sqlite":
        assert size is None  # PostgreSQL walks its time index itself
        return
    top = Case.objects.order_by("-id").values_list("id", flat=True).first()
    # 噪音 is in 22 cases: a page of 2 within 2 × top / 22 of the newest cases, times the margin; fewer
    # keys than the 22 matches, so the window is worth reading.
    assert size == -(-2 * top * search.SQLITE_WINDOW_MARGIN // 22) and size <= 22
    assert search.window_size("default", "停车", limit=2) is None  # one match: the whole set is cheap
    assert search.window_size("default", "，。", limit=2) is None
    assert search.window_size("default", "噪音", limit=20) is None  # more keys than matches to read


@pytest.mark.django_db
def test_punctuation_only_query_matches_nothing_and_blank_matches_all(w):
    qs = Case.objects.all()
    assert list(filter_cases(qs, "，。！")) == []
    assert filter_cases(qs, "  ").count() == 3
    assert filter_cases(qs, None).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE)
def test_query_syntax_is_searched_as_text_never_an_error(w, q):
    # Only the words of q must match: none of these appear in the cases.
    assert found(w.street_staff, q) == []


@pytest.mark.django_db
def test_operators_are_plain_words(w):
    odd = make_case(
        w.tree.building, category=w.category, title="NEAR OR AND", text="路由器 WiFi-6 信号 near 电梯"
    )
    assert found(w.street_staff, "near") == [odd.pk]
    assert found(w.street_staff, "噪音 OR 停车") == []  # OR is a word to find, not an operator
    assert found(w.street_staff, "wifi-6") == [odd.pk]
    assert found(w.street_staff, "NEAR(信号 电梯)") == [odd.pk]


@pytest.mark.django_db
def test_case_list_page_and_ledger_search(client, w):
    client.force_login(w.street_staff)
    response = client.get(reverse("cases:list"), {"q": "噪音"})
    assert [r["id"] for r in response.context["rows"]] == [w.noise.pk, w.sibling.pk]
    response = client.get(reverse("cases:ledger"), {"q": "停车"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert [row[0] for row in rows[1:]] == [w.parking.number]
    response = client.get(reverse("cases:list"), {"q": '"'})
    assert response.status_code == 200 and response.context["rows"] == []


# ---------------------------------------------------------------- keeping the index


@pytest.mark.django_db
def test_new_tokens_are_searched_and_old_ones_forgotten(w):
    Case.objects.filter(pk=w.noise.pk).update(search_tokens=tokens_for(w.noise.number, "垃圾清运不及时"))
    assert found(w.street_staff, "垃圾") == [w.noise.pk]
    assert found(w.street_staff, "噪音") == [w.sibling.pk]
    Case.objects.filter(pk=w.sibling.pk).delete()
    assert found(w.street_staff, "噪音") == []
    _check_fts_integrity()


@pytest.mark.django_db
def test_the_migration_fills_tokens_of_existing_cases(w):
    Case.objects.update(search_tokens="")
    assert found(w.street_staff, "噪音") == []
    migration = importlib.import_module("yishi.cases.migrations.0007_case_search_index")
    migration.fill_tokens(apps, SimpleNamespace(connection=connection))
    assert Case.objects.get(pk=w.parking.pk).search_tokens == tokens_for(
        w.parking.number, w.parking.title, w.parking.text, w.parking.address
    )
    assert found(w.street_staff, "噪音") == [w.noise.pk, w.sibling.pk]
    _check_fts_integrity()


def _check_fts_integrity():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Raises if the FTS5 index differs from the content of cases_case.
            cursor.execute("INSERT INTO cases_case_fts(cases_case_fts, rank) VALUES ('integrity-check', 1)")


@pytest.mark.django_db
def test_the_search_index_exists_after_all_migrations():
    """A later migration that makes Django rebuild cases_case on SQLite drops the triggers with the old table:
    it must call ``search.create_search_index`` again, or new cases would not be found."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'"
            )
            assert set(search.SQLITE_TRIGGER_NAMES) <= {row[0] for row in cursor.fetchall()}
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_search_tokens_gin'")
            assert "gin (search_vector)" in cursor.fetchone()[0]
            # The vector is generated from the tokens by the database itself (migration 0009).
            cursor.execute(
                "SELECT generation_expression FROM information_schema.columns "
                "WHERE table_name = 'cases_case' AND column_name = 'search_vector'"
            )
            assert "to_tsvector('simple'::regconfig, search_tokens)" in cursor.fetchone()[0]


@pytest.mark.django_db
def test_postgresql_uses_the_gin_index(w):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    qs = filter_cases(Case.objects.all(), "噪音 施工")
    with connection.cursor() as cursor:
        # With three rows a sequential scan is cheaper: forbid it, so the plan shows whether the filter's
        # expression is the index's (if not, PostgreSQL still falls back to a sequential scan).
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_search_tokens_gin" in plan
