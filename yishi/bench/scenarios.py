"""The scenarios of ``yishi bench``: which account asks for which URLs, and which goal of issue 6 applies.

Each scenario is a list of paths wrk cycles through (different filters, pages, cases), built from the
city's manifest and the database: keyset cursors and case numbers are computed here once, before the
load, with the same selectors the pages use. ``kind`` names the floor a scenario is compared with (HTML
pages → the template floor, API lists → the JSON floor) and ``goal`` the goal it is checked against
(``yishi.bench.report.GOALS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from yishi.accounts.models import Role, RoleGrant, User
from yishi.areas.models import Area, Level
from yishi.cases.models import Case, CaseMonthSum, Category, Channel
from yishi.cases.selectors import case_list, case_visible

PAGE_SIZE = 20  # the staff case list's page (yishi.cases.views.staff.PAGE_SIZE)
DEEP_PAGE = 50
NEXT_PAGES = 10


@dataclass
class Scenario:
    name: str
    title: str
    account: str | None  # a key of manifest["accounts"]; None: anonymous
    paths: list[str]
    kind: str = "html"  # html | api | post | export
    goal: str = "list"  # list | page | api | dashboard | intake | export
    auth: str = "session"  # session | token | none
    method: str = "GET"
    body: str = ""
    capture_sql: bool = True
    notes: list[str] = field(default_factory=list)


def cursor_of(case: Case) -> str:
    """The ``before`` value of the page after ``case`` (as the case list writes it)."""
    return f"{case.submitted_at.isoformat()}_{case.pk}"


def _q(path: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(params)}" if params else path


def _top_categories(user, limit: int = 3) -> list[int]:
    """The categories of the newest cases in the user's scope (cheap, and they have rows to show)."""
    ids = []
    for category_id in (
        case_visible(user).order_by("-submitted_at", "-id").values_list("category_id", flat=True)[:200]
    ):
        if category_id not in ids:
            ids.append(category_id)
        if len(ids) == limit:
            break
    return ids


def list_paths(user) -> list[str]:
    """The case list with the filters a worker uses: none, open only, a status, a category, both."""
    base = reverse("cases:list")
    categories = _top_categories(user)
    paths = [base, _q(base, open="on"), _q(base, status="assigned"), _q(base, status="closed")]
    for category_id in categories:
        paths += [_q(base, category=category_id), _q(base, open="on", category=category_id)]
    return paths


def next_page_paths(user, pages: int = NEXT_PAGES) -> list[str]:
    """Pages 2 … pages+1 of the user's list, each cursor taken from the previous page's last row."""
    base = reverse("cases:list")
    paths, before = [], None
    for _page in range(pages):
        rows = case_list(user=user, before=before, limit=PAGE_SIZE)
        if len(rows) < PAGE_SIZE:
            break
        before = (rows[-1].submitted_at, rows[-1].pk)
        paths.append(_q(base, before=cursor_of(rows[-1])))
    return paths


def deep_page_paths(user, page: int = DEEP_PAGE) -> list[str]:
    """The ``page``-th page (or the deepest there is) of the list, unfiltered and open only, by keyset."""
    base = reverse("cases:list")
    paths = []
    for params, qs in (({}, case_visible(user)), ({"open": "on"}, case_visible(user).filter(is_open=True))):
        ordered = qs.order_by("-submitted_at", "-id")
        last_of_previous = ordered[(page - 1) * PAGE_SIZE - 1 : (page - 1) * PAGE_SIZE].first()
        if last_of_previous is None:
            continue
        paths.append(_q(base, before=cursor_of(last_of_previous), **params))
    return paths


# The title every case of the intake scenario starts with.
INTAKE_TITLE = "压测："


def case_page_paths(user, count: int = 20) -> list[str]:
    """Pages of the generated city's newest cases, not of those an earlier intake scenario added (``--reuse``
    keeps them): new, near-identical cases in one grid, whose pages offer acceptance and list similar cases,
    would make the scenario measure another page from one run to the next."""
    numbers = (
        case_visible(user)
        .exclude(title__startswith=INTAKE_TITLE)
        .order_by("-submitted_at", "-id")
        .values_list("number", flat=True)[: count * 5]
    )
    return [reverse("cases:detail", args=[n]) for n in list(numbers)[::5]]


def intake_grid(sample: dict) -> int:
    """Where the intake scenario files its cases: the last grid of the city, outside the sample district,
    whose community, street and district lists, case pages and dashboard the other scenarios read. Cases
    added to the sample grid by earlier ``--reuse`` runs made the community list another list each run
    (its SQL 0.4 → 9.9 ms, 40 → 26 req/s at 1 client after 6,926 of them)."""
    district = Area.objects.filter(pk=sample["district_id"]).values_list("path", flat=True).first() or "-"
    grids = Area.objects.filter(level=Level.GRID).order_by("-pk").values_list("pk", "path")
    for pk, path in grids[:50]:
        if not path.startswith(district):
            return pk
    return sample.get("grid_id") or sample["community_id"]


def add_median_community(manifest: dict) -> None:
    """Add to ``manifest``'s accounts (``"community_median"``) a worker of the median community by number of
    cases (the rollups' counts), whose lists the bench measures beside the busiest community's: a plan that
    suits 150,000 cases need not suit 6,000 (docs/performance.md, session 15). Nothing when there is no
    such worker; an account already there is kept."""
    from rest_framework.authtoken.models import Token

    if "community_median" in manifest["accounts"]:
        return
    communities = set(Area.objects.filter(level=Level.COMMUNITY).values_list("path", flat=True))
    sums = CaseMonthSum.objects.filter(kind=CaseMonthSum.Kind.AREA).values_list("area_path")
    counts = sorted((n, path) for path, n in sums.annotate(n=Sum("steps")).order_by() if path in communities)
    if not counts:
        return
    path = counts[len(counts) // 2][1]
    grants = RoleGrant.objects.filter(role=Role.COMMUNITY_STAFF, area__path=path, revoked_at__isnull=True)
    user = User.objects.filter(person__in=grants.values("person"), is_active=True).order_by("pk").first()
    if user is None:
        return
    token = Token.objects.get_or_create(user=user)[0]
    manifest["accounts"]["community_median"] = {
        "username": user.username,
        "token": token.key,
        "user_id": user.pk,
    }


def remove_intake_cases() -> int:
    """Delete the cases the intake scenario filed (this run's, or an earlier run's left by ``--reuse``), and
    say how many. Dated the moment they were sent, they are the newest of the city, the first rows every
    list that walks the time index reads and drops (after 11,687 of them in session 14, the street list
    at 16 clients served 145 req/s instead of 246, PostgreSQL's CPU 6.6 ms a request against 2.4). Through
    the ORM, so that the rollups follow their delete; their audit events stay, as an append-only trail's
    do."""
    cases = Case.objects.filter(title__startswith=INTAKE_TITLE, channel=Channel.API)
    count = cases.count()
    if count:
        cases.delete()
    return count


def newest_month() -> str:
    """The month of the newest generated case, as the dashboard's ``until`` (the generated city ends in the
    past; the intake scenario's cases of earlier ``--reuse`` runs, dated the day they were sent, would move
    it, and with it the dashboard's and the export's months)."""
    newest = (
        Case.objects.exclude(title__startswith=INTAKE_TITLE)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    moment = timezone.localtime(newest) if newest else timezone.localtime()
    return f"{moment:%Y-%m}"


def previous_month(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return f"{year}-{number:02d}"


def intake_body(*, area_id: int, category_key: str) -> str:
    """The JSON body of an intake POST as a ``string.format`` pattern with two %d (wrk thread, request
    counter), so that every request carries a distinct text."""
    body = json.dumps(
        {
            "area": area_id,
            "category": category_key,
            "title": f"{INTAKE_TITLE}楼道灯不亮",
            "text": "压测第__T__线程第__N__件：楼道灯坏了一周，晚上看不清台阶，请尽快维修。",
            "channel": "api",
        },
        ensure_ascii=True,
    )
    return body.replace("%", "%%").replace("__T__", "%d").replace("__N__", "%d")


def build(manifest: dict, *, export_params: dict | None = None) -> list[Scenario]:
    """All scenarios for the city of ``manifest`` (accounts, sample ids, search words)."""
    accounts = manifest["accounts"]
    sample = manifest["sample"]
    user = {key: User.objects.get(username=acc["username"]) for key, acc in accounts.items()}
    words = sample.get("search_words") or ["噪音", "漏水"]
    common, rare = words[0], words[-1]
    base = reverse("cases:list")
    api = reverse("case-list")
    month = newest_month()
    district = sample["district_id"]
    dashboard = reverse("cases:dashboard")
    intake_area = intake_grid(sample)
    category = Category.objects.filter(pk=sample["category_id"]).values_list("key", flat=True).first()
    requests311 = reverse("open311:requests", kwargs={"fmt": "json"})
    scenarios = [
        Scenario("list_community", "社区诉求列表（筛选）", "community", list_paths(user["community"])),
        *(
            [Scenario("list_median", "中位社区诉求列表（筛选）", "community_median", list_paths(median))]
            if (median := user.get("community_median"))
            else []
        ),
        Scenario("list_street", "街道诉求列表（筛选）", "street", list_paths(user["street"])),
        Scenario("list_city", "全市诉求列表（筛选）", "city", list_paths(user["city"])),
        Scenario(
            "next_pages", f"下一页（键集，第2–{NEXT_PAGES + 1}页）", "street", next_page_paths(user["street"])
        ),
        Scenario("deep_page", f"深页（键集，第{DEEP_PAGE}页）", "city", deep_page_paths(user["city"])),
        Scenario("case_page", "诉求详情页", "community", case_page_paths(user["community"]), goal="page"),
        Scenario("search_common", f"全文搜索（常见词 {common}）", "city", [_q(base, q=common)]),
        Scenario("search_rare", f"全文搜索（少见词 {rare}）", "city", [_q(base, q=rare)]),
        Scenario(
            "dashboard",
            "区县看板（12个月三率）",
            "district",
            [
                _q(dashboard, area=district, months=12, until=month),
                _q(dashboard, area=district, months=12, until=previous_month(month)),
            ],
            goal="dashboard",
        ),
        Scenario("overdue", "超期清单（承办单位）", "unit", [reverse("cases:deadlines")]),
        Scenario(
            "api_list",
            "API 诉求列表",
            "city",
            [api, _q(api, open="true"), _q(api, status="closed")],
            kind="api",
            goal="api",
            auth="token",
        ),
        Scenario("api_next", "API 诉求列表下一页", "city", [], kind="api", goal="api", auth="token"),
        Scenario(
            "open311",
            "Open311 请求列表",
            None,
            # 20 per page like the other lists (the spec's default page is up to 1,000 requests).
            [_q(requests311, page_size=20), _q(requests311, status="open", page_size=20)],
            kind="api",
            goal="api",
            auth="none",
        ),
        Scenario(
            "intake",
            "API 提交诉求（分派、时限、留痕）",
            "community",
            [api],
            kind="post",
            goal="intake",
            auth="token",
            method="POST",
            body=intake_body(area_id=intake_area, category_key=category or ""),
            capture_sql=False,
        ),
        Scenario(
            "export",
            "台账导出 CSV（流式）",
            "city",
            [_q(reverse("cases:ledger"), format="csv", **(export_params or {}))],
            kind="export",
            goal="export",
            capture_sql=False,
        ),
    ]
    return scenarios


def export_params(total_cases: int, *, target: int = 1_000_000) -> dict:
    """Ledger filters that select about ``target`` cases: all of them when there are fewer, else the last
    twelve months up to the newest case (a fifth of a five-year city: ~1 M of 5 M)."""
    if total_cases <= target:
        return {}
    return {"months": 12, "until": newest_month()}
