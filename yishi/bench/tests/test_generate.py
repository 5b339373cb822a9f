"""The bench generator: deterministic, consistent with the workflow, the audit chain and the rollups."""

import hashlib

import pytest
from django.db.models import Count, Max
from rest_framework.authtoken.models import Token

from yishi.accounts.models import User
from yishi.areas.models import Area, Level
from yishi.audit.services import audit_verify
from yishi.bench import generate as gen
from yishi.cases.models import Case, CaseNumberSequence, CaseStep, Rating
from yishi.cases.selectors import case_list
from yishi.cases.workflow import OPEN_STATUSES

pytestmark = pytest.mark.django_db

CASES = 300
RESIDENTS = 1000  # 2 per community: the city itself is the slow part of a small run


def _fingerprint() -> str:
    rows = Case.objects.order_by("id").values_list(
        "number",
        "title",
        "text",
        "area_path",
        "status",
        "level_path",
        "submitted_at",
        "accepted_at",
        "first_contact_at",
        "resolved_at",
        "replied_at",
        "closed_at",
        "search_tokens",
        "tracking_token",
    )
    steps = CaseStep.objects.order_by("id").values_list("case__number", "step", "round", "due_at", "done_at")
    ratings = Rating.objects.order_by("id").values_list("case__number", "value", "rated_at")
    digest = hashlib.sha256(repr((list(rows), list(steps), list(ratings))).encode())
    return digest.hexdigest()


@pytest.fixture
def manifest():
    return gen.generate(cases=CASES, seed=7, progress=False, residents=RESIDENTS)


def test_same_seed_same_rows_and_refuses_a_full_database(manifest):
    first = _fingerprint()
    with pytest.raises(gen.BenchDatabaseNotEmpty):
        gen.generate(cases=CASES, seed=7, progress=False, residents=RESIDENTS)
    gen.generate(cases=CASES, seed=7, progress=False, residents=RESIDENTS, reset=True)
    assert _fingerprint() == first
    gen.generate(cases=CASES, seed=8, progress=False, residents=RESIDENTS, reset=True)
    assert _fingerprint() != first


def test_city_shape_and_manifest(manifest):
    assert Case.objects.count() == CASES == manifest["cases"]
    levels = dict(Area.objects.values_list("level").annotate(n=Count("id")))
    assert levels[Level.DISTRICT] == 5 and levels[Level.STREET] == 50
    assert levels[Level.COMMUNITY] == 500 and levels[Level.GRID] == 5000
    sample = manifest["sample"]
    assert Area.objects.get(pk=sample["community_id"]).level == Level.COMMUNITY
    assert Case.objects.filter(number=sample["case_number"]).exists()
    common, rare = sample["search_words"]
    with_common = Case.objects.filter(search_tokens__contains=common).count()
    assert with_common > Case.objects.filter(search_tokens__contains=rare).count()
    assert set(manifest["accounts"]) == {"city", "district", "street", "community", "unit"}


def test_case_invariants(manifest):
    order = ["submitted_at", "accepted_at", "first_contact_at", "resolved_at", "replied_at", "closed_at"]
    areas = dict(Area.objects.values_list("pk", "path"))
    statuses = set()
    for case in Case.objects.all():
        times = [getattr(case, f) for f in order if getattr(case, f) is not None]
        assert times == sorted(times), case.number
        assert case.is_open == (case.status in OPEN_STATUSES), case.number
        assert case.area_path == areas[case.area_id]
        assert case.level_path == areas[case.level_area_id]
        assert case.area_path.startswith(case.level_path)
        # As intake sets it: the path of the case's community (its area's ancestor at community level).
        community = next(a for a in case.area.ancestors() if a.level == Level.COMMUNITY)
        assert case.community_path == community.path, case.number
        assert (case.closed_at is None) == case.is_open, case.number
        statuses.add(case.status)
    assert "closed" in statuses and statuses & set(OPEN_STATUSES)
    assert Case.objects.values("number").distinct().count() == CASES
    for seq in CaseNumberSequence.objects.all():
        prefix = f"{seq.year}-{seq.district_code}-"
        numbers = Case.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
        assert int(numbers.rsplit("-", 1)[1]) == seq.last
    assert (
        Rating.objects.filter(value="satisfied").count() > Rating.objects.exclude(value="satisfied").count()
    )


def test_audit_chain_and_rollups_hold(manifest):
    assert audit_verify() is None
    from yishi.cases import rollups

    assert manifest["rollups_rebuilt"]
    assert rollups.check() == []


def test_bench_accounts_log_in_and_see_the_first_community(manifest):
    community = Area.objects.get(pk=manifest["sample"]["community_id"])
    for role, account in manifest["accounts"].items():
        user = User.objects.get(username=account["username"])
        assert user.is_active and user.check_password(gen.BENCH_PASSWORD), role
        assert Token.objects.get(user=user).key == account["token"], role
    for role in ("city", "district", "street", "community"):
        user = User.objects.get(username=manifest["accounts"][role]["username"])
        page = case_list(user=user, area=community, limit=20)
        assert page and all(c.area_path.startswith(community.path) for c in page), role
    unit_user = User.objects.get(username=manifest["accounts"]["unit"]["username"])
    assert case_list(user=unit_user, limit=5)


def test_indexes_and_search_are_back_after_the_bulk_load(manifest):
    """The bulk mode drops the big tables' secondary indexes (and SQLite's full-text triggers) for the load:
    all are back afterwards, and search finds a generated case by a word of it."""
    from django.db import connection

    from yishi.cases import search
    from yishi.cases.models import Case

    with connection.cursor() as cursor:
        indexes = {i for i in connection.introspection.get_constraints(cursor, "cases_casestep")}
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'"
            )
            assert set(search.SQLITE_TRIGGER_NAMES) <= {row[0] for row in cursor.fetchall()}
    assert {"step_pending_unit_due", "step_contact_pending_due", "step_unique_per_round"} <= indexes
    case = Case.objects.order_by("pk").first()
    word = gen._word(case.search_tokens)
    assert case in search.filter_cases(Case.objects.all(), word)
