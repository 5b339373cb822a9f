"""``yishi bench`` without the load: wrk's output parser, the Lua literals, the goal checks, the floor views
behind their setting, and every scenario's URLs answering 200 on a tiny generated city."""

import importlib
import io
import json
import sys

import pytest
from django.test import Client
from django.urls import clear_url_caches

from yishi.bench import report, scenarios, wrk
from yishi.bench.runner import time_sql
from yishi.cases.models import Case

WRK_STDOUT = """Running 5s test @ http://127.0.0.1:8123
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.10ms    5.00ms  80.00ms   90.00%
  1600 requests in 5.00s, 1.20MB read
Requests/sec:    320.00
Transfer/sec:    245.00KB
WRKJSON {"requests":1600,"duration_us":5000000,"bytes":1258291,"p50_us":18000,"p95_us":30500,"p99_us":61000,\
"max_us":80000,"mean_us":20100.0,"non2xx":3,"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":0},\
"first_bad":"302 /accounts/login/?next=/cases/"}
"""


def test_wrk_output_is_parsed_from_its_json_line():
    result = wrk.parse_output(WRK_STDOUT)
    assert result.requests == 1600
    assert result.rps == pytest.approx(320.0)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (18.0, 30.5, 61.0)
    assert result.non2xx == 3
    assert result.socket_errors == 1  # wrk's "status" count is already in non2xx
    assert result.first_bad == "302 /accounts/login/?next=/cases/"
    assert not result.ok


def test_wrk_output_without_the_json_line_is_an_error():
    with pytest.raises(ValueError, match="WRKJSON"):
        wrk.parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_literals_are_ascii_and_round_trip_quotes():
    assert wrk.lua_string('a"b\\c') == '"a\\034b\\092c"'
    assert wrk.lua_string("噪音").isascii()
    lua = wrk.scenario_lua(
        paths=["/cases/?q=%E5"], headers={"Cookie": "sessionid=x"}, method="POST", body="{}"
    )
    assert 'paths = {"/cases/?q=%E5"}' in lua
    assert '["Cookie"] = "sessionid=x"' in lua
    assert wrk.threads_for(1) == 1 and wrk.threads_for(16) == 2


def test_intake_body_is_a_two_number_pattern_of_valid_json():
    body = scenarios.intake_body(area_id=5, category_key="noise")
    data = json.loads(body % (2, 41))
    assert "2" in data["text"] and "41" in data["text"]
    assert body % (2, 41) != body % (2, 42)


def _m(**kw):
    base = {"scenario": "list_city", "goal": "list", "kind": "html", "clients": 1, "requests": 100, "rps": 300.0,
            "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 12.0, "non2xx": 0, "socket_errors": 0, "floor_rps": 400.0,
            "sql": {"p50_ms": 0.6, "p95_ms": 0.9, "p99_ms": 1.2}}  # fmt: skip
    return {**base, **kw}


def test_goal_checks_on_canned_numbers():
    assert report.goal_check(_m())[0] is True
    assert report.goal_check(_m(p95_ms=26.0)) == (False, "✗ p95≤25ms")
    assert report.goal_check(_m(sql={"p50_ms": 2.5}))[0] is False
    at16 = _m(clients=16, rps=250.0, p95_ms=80.0, floor_rps=440.0)
    assert report.goal_check(at16)[0] is True
    assert report.goal_check({**at16, "floor_rps": 600.0}) == (False, "✗ ≥0.5×floor")
    assert report.goal_check({**at16, "rps": 150.0})[0] is False
    assert report.goal_check(_m(non2xx=2, first_bad="302 /accounts/login/"))[0] is False
    assert report.goal_check(_m(requests=0))[0] is False
    assert report.goal_check(_m(goal="api", rps=400.0, floor_rps=900.0))[0] is False
    assert report.goal_check(_m(goal="dashboard", clients=16))[0] is None
    assert report.goal_check(_m(goal="dashboard", p95_ms=49.0))[0] is True
    intake = _m(goal="intake", clients=16, rps=210.0, intake={"lost": 0, "duplicates": 0})
    assert report.goal_check(intake)[0] is True
    assert report.goal_check({**intake, "intake": {"lost": 1, "duplicates": 0}})[0] is False
    export = {"scenario": "export", "goal": "export", "clients": 1, "seconds": 42.0, "rss_mb": 310.0}
    assert report.goal_check(export) == (False, "✗ RSS≤300MB")


def test_sqlite_against_postgres_and_the_table():
    pg = _m(p50_ms=4.0)
    assert report.sqlite_check(_m(p50_ms=39.0), pg)[0] is True
    assert report.sqlite_check(_m(p50_ms=41.0), pg)[0] is False
    run = {"database_label": "SQLite", "cases": 20000, "load_seconds": 12.0, "measurements": [_m(p50_ms=41.0)],
           "floors": {"template": [{"clients": 1, "p50_ms": 2.0, "p95_ms": 3.0, "p99_ms": 4.0, "rps": 400.0}]}}  # fmt: skip
    text = report.table(run, postgres={"measurements": [pg]})
    assert "floor_template" in text and "10.2×PG ✗" in text and "0.75" in text


@pytest.fixture
def floors_urls(settings):
    """yishi.urls as loaded with BENCH_FLOORS on or off (restored afterwards)."""
    import yishi.urls

    def load(on: bool):
        settings.BENCH_FLOORS = on
        clear_url_caches()
        importlib.reload(yishi.urls)

    yield load
    settings.BENCH_FLOORS = False
    clear_url_caches()
    importlib.reload(yishi.urls)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["empty", "json", "template"])
def test_floor_views_only_when_enabled(client, floors_urls, name):
    floors_urls(False)
    assert client.get(f"/bench/floor/{name}").status_code == 404
    floors_urls(True)
    assert client.get(f"/bench/floor/{name}").status_code == 200


@pytest.mark.django_db
def test_sql_timing_returns_percentiles():
    timing = time_sql("SELECT 1", repeat=5)
    assert 0 <= timing["p50_ms"] <= timing["p95_ms"] <= timing["p99_ms"]


@pytest.mark.django_db
def test_every_scenario_url_answers_200_on_a_tiny_city(monkeypatch):
    from yishi.bench import generate as gen
    from yishi.bench.runner import ensure_tokens

    manifest = gen.generate(cases=300, seed=3, progress=False, residents=1000)
    ensure_tokens(manifest)
    scenarios.add_median_community(manifest)
    built = {s.name: s for s in scenarios.build(manifest, export_params={})}
    assert set(built) >= {"list_community", "list_median", "next_pages", "deep_page", "search_rare", "intake"}
    # The median community's worker: a community staff member of the community in the middle by cases.
    from django.db.models import Count

    from yishi.accounts.models import User as Account

    median = Account.objects.get(username=manifest["accounts"]["community_median"]["username"])
    (grant,) = [g for g in median.person.grants.all() if g.role == "community_staff"]
    sizes = sorted(
        Case.objects.values("community_path").annotate(n=Count("pk")).values_list("n", flat=True).order_by()
    )
    mine = Case.objects.filter(community_path=grant.area.path).count()
    assert sizes[len(sizes) // 4] <= mine <= sizes[3 * len(sizes) // 4]
    for s in built.values():
        if s.kind == "post" or not s.paths:
            continue
        client = Client()
        if s.auth == "token":
            client = Client(HTTP_AUTHORIZATION=f"Token {manifest['accounts'][s.account]['token']}")
        elif s.account:
            from yishi.accounts.models import User

            user = User.objects.get(username=manifest["accounts"][s.account]["username"])
            client.force_login(user, backend="yishi.accounts.backends.AccountBackend")
        for path in s.paths[:3]:
            response = client.get(path)
            assert response.status_code == 200, (s.name, path, response.status_code)
    before, month = Case.objects.count(), scenarios.newest_month()
    intake = built["intake"]
    client = Client(HTTP_AUTHORIZATION=f"Token {manifest['accounts'][intake.account]['token']}")
    response = client.post(intake.paths[0], intake.body % (1, 1), content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert Case.objects.count() == before + 1
    # Filed outside the district the other scenarios read, and not moving their month (--reuse runs).
    from yishi.areas.models import Area as Place

    submitted = Case.objects.get(number=response.json()["number"])
    sample_district = Place.objects.get(pk=manifest["sample"]["district_id"])
    assert submitted.area.level == "grid" and not submitted.area_path.startswith(sample_district.path)
    assert scenarios.newest_month() == month

    # The before/after pairs of the design choices run on the same city; the branch-merged list is the
    # same page as the single query over the whole visibility condition.
    from yishi.accounts.models import User
    from yishi.cases import selectors

    worker = User.objects.get(username=manifest["accounts"]["community"]["username"])
    whole = selectors.case_visible(worker).order_by("-submitted_at", "-id")[:20]
    assert [c.pk for c in selectors.case_list(user=worker)] == [c.pk for c in whole]
    from yishi.bench import design

    monkeypatch.setattr(design, "REPEAT", 1)
    pairs = design.compare(manifest)
    names = {p["name"] for p in pairs}
    assert "a community worker's case list, first page" in names
    assert {"district rates, 12 months, by unit", "cases of a street (count)"} <= names
    assert "district rates, 12 months, by unit (cells)" in names
    # The cells and the sums give the same rates on the generated city.
    from yishi.areas.models import Area
    from yishi.cases import rates
    from yishi.cases.models import Category

    district = Area.objects.get(pk=manifest["sample"]["district_id"])
    period = rates.Period.ending(None, 60)
    every = list(Category.objects.values_list("pk", flat=True))
    for group in rates.GROUPS:
        from_sums = rates.rate_counts(area=district, period=period, group=group)
        assert from_sums, group
        assert from_sums == rates.rate_counts(area=district, period=period, group=group, category=every)
    assert all(p["before_ms"] > 0 and p["after_ms"] > 0 for p in pairs)
    assert "rollup" in design.table(pairs)
    # The SQL floor of a list times its heaviest read, a prepared statement's included, twice over.
    from yishi.bench.runner import main_query

    for _ in range(2):
        read = main_query(built["list_street"], manifest)
        assert read["sql"].lstrip().upper().startswith(("SELECT", "EXECUTE")) and read["p50_ms"] > 0


def test_a_prepared_read_is_timed_by_its_execute():
    from yishi.bench.runner import _read_of

    assert (
        _read_of("PREPARE r_1 AS SELECT $1; EXECUTE r_1('{1,2}'::int2[])") == "EXECUTE r_1('{1,2}'::int2[])"
    )
    assert _read_of("EXECUTE r_1(1)") == "EXECUTE r_1(1)"
    assert _read_of(" SELECT 1") == " SELECT 1"


def test_a_regenerated_sqlite_city_is_removed_as_files_never_a_foreign_one(settings, tmp_path):
    from yishi.bench import runner

    settings.VAR_DIR = str(tmp_path)
    url = runner.sqlite_url(runner.Options(cases=10, seed=1))
    city = tmp_path / "bench" / "yishi_bench_10_1.sqlite3"
    for path in (
        city,
        tmp_path / "bench" / "yishi_bench_10_1.sqlite3-wal",
        tmp_path / "bench" / "yishi_bench_10_1-manifest.json",
    ):
        path.write_text("x")
    runner.remove_sqlite_city(url)
    assert not any((tmp_path / "bench").iterdir())
    other = tmp_path / "mine.sqlite3"
    other.write_text("x")
    with pytest.raises(RuntimeError):
        runner.remove_sqlite_city(f"sqlite:///{other}")
    assert other.exists()


@pytest.mark.django_db
def test_reuse_never_replaces_a_city_of_another_size(settings, tmp_path):
    """``--reuse`` with other ``--cases`` (or ``--seed``) than the city's is an error, and the city stays."""
    from yishi.bench import runner

    settings.VAR_DIR = str(tmp_path)
    url = "postgres://postgres@127.0.0.1:5432/yishi_bench"
    manifest = tmp_path / "bench" / "yishi_bench-manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"cases": 5000000, "seed": 1, "accounts": {}}))
    for options in (
        runner.Options(cases=20000, reuse=True),
        runner.Options(cases=5000000, seed=2, reuse=True),
    ):
        with pytest.raises(RuntimeError, match="holds the city of 5,000,000 cases, seed 1"):
            runner.ensure_city(url, options, say=print)
    assert json.loads(manifest.read_text())["cases"] == 5000000


# A stand-in for one database's load: it says it started, waits (up to 20 s) until the other has started too,
# says whether it met it, then writes its result or fails.
_LOAD_CHILD = """
import pathlib, sys, time
meet, out, me, fail = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
(meet / me).touch()
deadline = time.time() + 20
while len(list(meet.iterdir())) < 2 and time.time() < deadline:
    time.sleep(0.02)
print("met the other load:", len(list(meet.iterdir())) == 2)
if not fail:
    out.write_text('{"load_seconds": 1.0}')
sys.exit(1 if fail else 0)
"""


@pytest.mark.parametrize("failing", ["", "sqlite"])
def test_the_loads_run_side_by_side_and_a_failed_one_is_an_error(monkeypatch, settings, tmp_path, failing):
    """Both databases' loads run at the same time (each child waits for the other to start), their lines
    come prefixed with the database, and a failed load is an error once both ended."""
    from yishi.bench import runner

    settings.VAR_DIR = str(tmp_path)
    meet = tmp_path / "meet"
    meet.mkdir()
    pg, lite = runner.DEFAULT_DATABASE, runner.sqlite_url(runner.Options(cases=10))

    def command(url, options, out):
        assert options.generate_only
        fails = "1" if failing and failing in url else "0"
        return [sys.executable, "-c", _LOAD_CHILD, str(meet), str(out), runner.db_name(url), fails]

    monkeypatch.setattr(runner, "phase_command", command)
    stdout = io.StringIO()
    per_url = {pg: runner.Options(), lite: runner.Options(cases=10)}
    if failing:
        with pytest.raises(RuntimeError, match="the load on sqlite:.*failed"):
            runner.load_side_by_side(per_url, "", stdout)
    else:
        assert runner.load_side_by_side(per_url, "", stdout) < 20
    lines = stdout.getvalue().splitlines()
    assert "[PostgreSQL] met the other load: True" in lines
    assert "[SQLite] met the other load: True" in lines


@pytest.mark.django_db
def test_case_pages_leave_out_the_cases_an_intake_scenario_added(tree, staff):
    from yishi.cases.tests.factories import CategoryFactory, make_case

    category = CategoryFactory(key="lights", name="路灯")
    generated = make_case(tree.building, category=category, title="楼道灯不亮")
    make_case(tree.building, category=category, title=f"{scenarios.INTAKE_TITLE}楼道灯不亮")
    assert scenarios.case_page_paths(staff) == [f"/cases/{generated.number}/"]


def test_the_intake_scenarios_cases_are_removed_and_no_other(tree, staff):
    """What the intake scenario filed goes after it (and before a ``--reuse`` run); the generated cases
    stay, one titled like them but taken in on another channel too."""
    from yishi.cases.tests.factories import CategoryFactory, make_case

    category = CategoryFactory(key="lights", name="路灯")
    generated = make_case(tree.building, category=category, title="楼道灯不亮", channel="api")
    recorded = make_case(
        tree.building,
        category=category,
        title=f"{scenarios.INTAKE_TITLE}楼道灯",
        channel="phone",
        actor=staff,
    )
    make_case(tree.building, category=category, title=f"{scenarios.INTAKE_TITLE}楼道灯不亮", channel="api")
    make_case(tree.building, category=category, title=f"{scenarios.INTAKE_TITLE}楼道灯不亮", channel="api")
    assert scenarios.remove_intake_cases() == 2
    assert sorted(Case.objects.values_list("pk", flat=True)) == [generated.pk, recorded.pk]
    assert scenarios.remove_intake_cases() == 0


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_load_is_journaled_outside_a_transaction_and_wal_after():
    """Outside a transaction SQLite's load runs in a rollback journal and WAL mode is set back after it;
    inside one (a test's), and on PostgreSQL, nothing is switched."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from yishi.bench.generate import _rollback_journal

    def pragmas(atomic: bool) -> list[str]:
        with CaptureQueriesContext(connection) as seen:
            if atomic:
                with transaction.atomic(), _rollback_journal():
                    pass
            else:
                with _rollback_journal():
                    connection.ensure_connection()
        return [q["sql"] for q in seen.captured_queries if "journal_mode" in q["sql"]]

    sqlite = connection.vendor == "sqlite"
    expected = ["PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = WAL"] if sqlite else []
    assert pragmas(atomic=False) == expected
    assert pragmas(atomic=True) == []
