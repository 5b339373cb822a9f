"""Case pages: the dashboard of rates (响应率, 解决率, 满意率, composite), rankings, Excel exports and the rate
settings. Staff, street staff, auditors and admins see the areas of their own subtree only; an area out of
scope is a 404, exactly as a missing one. Rates come from ``cases.rates`` and nowhere else.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import tempfile
from html import escape  # what django.utils.html.escape calls, without its lazy-text wrapper per value

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, Func, OuterRef, Subquery, Value
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yishi.areas.models import LEVEL_ORDER, Area, Level, subtree_q
from yishi.core import caching, permissions
from yishi.core.forms import add_service_errors, quick_choices
from yishi.core.masking import mask_name, mask_phone

from .. import rates, rules, services
from ..charts import line_chart
from ..models import Category, RateSettings, Rating
from ..search import filter_cases
from ..selectors import case_visible
from ..workflow import Status

MONTH_CHOICES = [
    (1, gettext_lazy("近1个月")),
    (3, gettext_lazy("近3个月")),
    (6, gettext_lazy("近6个月")),
    (12, gettext_lazy("近12个月")),
    (24, gettext_lazy("近24个月")),
]
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
# The dashboard's area picker lists the levels a ranking makes sense for (not grids and buildings).
PICKER_LEVELS = [lv for lv in Level.values if LEVEL_ORDER[lv] <= LEVEL_ORDER[Level.COMMUNITY]]


class RateFilterForm(forms.Form):
    """Filters of the dashboard and of the exports: area, period (months ending with a month), category."""

    area = forms.IntegerField(label=gettext_lazy("区域"), required=False, min_value=1)
    months = forms.TypedChoiceField(
        label=gettext_lazy("统计期"), choices=MONTH_CHOICES, coerce=int, required=False, empty_value=12
    )
    until = forms.CharField(label=gettext_lazy("截至月份"), required=False, max_length=7)
    category = forms.ModelChoiceField(
        label=gettext_lazy("类别"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("全部类别"),
        error_messages={"invalid_choice": gettext_lazy("请选择有效的类别。")},
    )

    def clean_until(self) -> dt.date | None:
        value = (self.cleaned_data.get("until") or "").strip()
        if not value:
            return None
        match = _MONTH_RE.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
            raise ValidationError(_("请按“年-月”填写，例如 2026-03。"))
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


class LedgerFilterForm(RateFilterForm):
    """The ledger takes the dashboard's filters plus the case list's status and search; without ``months``
    it is not limited in time.
    """

    months = forms.TypedChoiceField(
        label=gettext_lazy("统计期"), choices=MONTH_CHOICES, coerce=int, required=False, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), choices=[("", gettext_lazy("全部状态")), *Status.choices], required=False
    )
    q = forms.CharField(label=gettext_lazy("关键词"), required=False, max_length=100)


class RateSettingsForm(forms.Form):
    basic_weight = forms.DecimalField(label=gettext_lazy("基本满意计入系数"), max_digits=4, decimal_places=2)
    response_weight = forms.IntegerField(label=gettext_lazy("响应率权重（%）"))
    resolution_weight = forms.IntegerField(label=gettext_lazy("解决率权重（%）"))
    satisfaction_weight = forms.IntegerField(label=gettext_lazy("满意率权重（%）"))
    rating_window_days = forms.IntegerField(label=gettext_lazy("评价期（天）"))


# ---------------------------------------------------------------- helpers


def _require_viewer(user) -> None:
    if not permissions.can(user, permissions.VIEW_CASE_RATES):
        raise PermissionDenied


def _default_area(user) -> Area | None:
    if permissions.is_superadmin(user):
        return Area.objects.filter(parent__isnull=True).order_by("path").first()
    tops = sorted(permissions.areas_where(user, permissions.VIEW_CASE_RATES), key=lambda a: a.path)
    return tops[0] if tops else None


def _chosen_area(user, area_id: int | None) -> Area:
    """The area asked for, when in the user's scope; a missing or out-of-scope area is a 404."""
    if area_id is None:
        area = _default_area(user)
    else:
        area = Area.objects.filter(pk=area_id).first()
    if area is None or not permissions.can(user, permissions.VIEW_CASE_RATES, area):
        raise Http404
    return area


def _picker_areas(user) -> list[Area]:
    """The areas the user may pick, in tree order, each with ``indent`` (a full-width space per level).

    Kept in the cache per scope and read anew after any change to an area: a district's subtree holds
    thousands of grids and buildings, and the query read all of them to keep its hundred (2.3 ms at 5 M
    cases). Only options: the area picked is checked on its own (``_chosen_area``).
    """
    perm = permissions.VIEW_CASE_RATES
    scope = ["all"] if permissions.is_superadmin(user) else sorted(permissions.scope_paths(user, perm))

    def compute() -> list[Area]:
        qs = Area.objects.filter(level__in=PICKER_LEVELS, is_active=True).only("pk", "name", "depth", "path")
        areas = list(permissions.scoped(qs, user, perm, field="path").order_by("path"))
        for area in areas:
            area.indent = "\u3000" * area.depth
        return areas

    return caching.remembered("dash-picker", scope, [Area], compute)


def _area_options(areas: list[Area], chosen: Area | None) -> SafeString:
    """The area picker's options (``_picker_areas``), written here rather than by the template engine (a
    city's picker lists hundreds of areas); names are escaped."""
    chosen_pk = chosen.pk if chosen else None
    return mark_safe(
        "".join(
            f'<option value="{a.pk}"{" selected" if a.pk == chosen_pk else ""}>{a.indent}{escape(a.name)}</option>'
            for a in areas
        )
    )


# The five cells of one ``Rates`` row: 响应率, 解决率, 满意率, the composite score, and due / closed / rated.
# Only numbers and "—" (``rates.pct``, ``rates.fmt``, counts), so nothing in them to escape.
_CELLS = '<td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong></td><td class="muted">{} / {} / {}</td>'


def _cells(r: rates.Rates) -> str:
    return _CELLS.format(
        r.response_pct, r.resolution_pct, r.satisfaction_pct, r.composite_display, r.due, r.closed, r.rated
    )


def _place(row: rates.RankRow) -> str:
    return str(row.position) if row.position else "—"


def _table_rows(data: dict, period: rates.Period, category: Category | None) -> dict[str, SafeString]:
    """The rows of the dashboard's tables (the monthly trend, the child areas' and the units' rankings, the
    categories) as HTML, written here rather than by the template engine: a district has a hundred rows
    and more (every unit of it, every category), and the template's loops, lookups and a tag per row were
    most of the page's rendering. Names are escaped; the cells hold numbers only (``_CELLS``)."""
    link = f"&amp;months={len(period.months())}&amp;until={period.last:%Y-%m}"
    if category is not None:
        link += f"&amp;category={category.pk}"
    rows = {
        "trend": (
            f'<tr data-testid="trend-row"><td>{month:%Y-%m}</td>{_cells(r)}</tr>'
            for month, r in data["trend"]
        ),
        "children": (
            f'<tr data-testid="child-rank-row"><td>{_place(row)}</td><td><a href="?area={row.entity.pk}{link}">'
            f"{escape(row.entity.name)}</a></td>{_cells(row.rates)}</tr>"
            for row in data["child_ranking"]
        ),
        "units": (
            f'<tr data-testid="unit-rank-row"><td>{_place(row)}</td><td>{escape(row.entity.name)}</td>'
            f"{_cells(row.rates)}</tr>"
            for row in data["unit_ranking"]
        ),
        "categories": (f"<tr><td>{escape(cat.name)}</td>{_cells(r)}</tr>" for cat, r in data["categories"]),
    }
    return {key: mark_safe("\n".join(lines)) for key, lines in rows.items()}


def _filters(form) -> dict:
    data = form.cleaned_data
    months = data.get("months")
    return {
        "period": rates.Period.ending(data.get("until"), months) if months else None,
        "category": data.get("category"),
    }


def _query_string(request) -> str:
    return request.GET.urlencode()


def _charts(trend) -> list:
    labels = [(f"{m.year}-{m.month:02d}", r) for m, r in trend]
    specs = [
        ("composite", _("综合得分"), "composite", "composite_display"),
        ("response", _("响应率"), "response_rate", "response_pct"),
        ("resolution", _("解决率"), "resolution_rate", "resolution_pct"),
        ("satisfaction", _("满意率"), "satisfaction_rate", "satisfaction_pct"),
    ]
    charts = []
    for key, title, attr, shown in specs:
        series = [(label, getattr(r, attr), getattr(r, shown)) for label, r in labels]
        values = "；".join(f"{label}：{value}" for label, _v, value in series)
        charts.append(
            line_chart(
                key=key,
                title=_("%(name)s月度趋势") % {"name": title},
                description=_("各月%(name)s（“—”表示当月无数据）：%(values)s")
                % {"name": title, "values": values},
                series=series,
                suffix="" if key == "composite" else "%",
            )
        )
    return charts


def _dashboard_data(area, period, category) -> dict:
    settings = RateSettings.current()
    category = rates.category_ids(category)  # once for every breakdown
    counts = rates.rate_counts_by(
        area=area,
        period=period,
        groups=("month", "child", "unit", "category"),
        category=category,
        settings=settings,
    )
    common = {"area": area, "period": period, "category": category, "settings": settings}
    trend = rates.monthly(**common, counts=counts["month"])
    return {
        "settings": settings,
        "summary": rates.total((r for _m, r in trend), settings),
        "trend": trend,
        "charts": _charts(trend),
        "child_ranking": rates.child_ranking(**common, counts=counts["child"]),
        "unit_ranking": rates.unit_ranking(**common, counts=counts["unit"]),
        "categories": rates.by_category(**common, counts=counts["category"]),
    }


# ---------------------------------------------------------------- pages


@login_required
@require_GET
def dashboard(request):
    """统计看板: the three rates and the composite over an area subtree and a period, their monthly trend as
    inline SVG charts (numbers also in tables), the ranking of child areas and of units, and by category.
    """
    _require_viewer(request.user)
    form = RateFilterForm(request.GET)
    quick_choices(form.fields["category"])  # every category, written without a template per option
    areas = _picker_areas(request.user)
    context = {"form": form, "query": _query_string(request)}
    if not form.is_valid():
        context["area_options"] = _area_options(areas, None)
        return render(request, "cases/dash_index.html", context, status=400)
    filters = _filters(form)
    area = _chosen_area(request.user, form.cleaned_data.get("area"))
    data = _dashboard_data(area, filters["period"], filters["category"])
    context.update(
        area=area,
        area_options=_area_options(areas, area),
        period=filters["period"],
        category=filters["category"],
        can_configure=permissions.can(request.user, permissions.CHANGE_RATE_SETTINGS),
        rows=_table_rows(data, filters["period"], filters["category"]) if area else {},
        **data,
    )
    return render(request, "cases/dash_index.html", context)


def _xlsx_response(workbook, filename: str) -> FileResponse:
    # A write-only workbook is written to a temporary file and streamed from there, so memory stays flat.
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _num(value):
    rounded = rates.rounded(value)
    return rates.EMPTY if rounded is None else float(rounded)


RATE_HEADER = [
    gettext_lazy("首次联系应办数"),
    gettext_lazy("按时联系数"),
    gettext_lazy("响应率（%）"),
    gettext_lazy("归档数"),
    gettext_lazy("解决且未重办数"),
    gettext_lazy("解决率（%）"),
    gettext_lazy("评价数"),
    gettext_lazy("满意"),
    gettext_lazy("基本满意"),
    gettext_lazy("不满意"),
    gettext_lazy("满意率（%）"),
    gettext_lazy("综合得分"),
]


def _rate_cells(r: rates.Rates) -> list:
    return [
        r.due,
        r.met,
        _num(r.response_rate),
        r.closed,
        r.resolved,
        _num(r.resolution_rate),
        r.rated,
        r.satisfied,
        r.basic,
        r.unsatisfied,
        _num(r.satisfaction_rate),
        _num(r.composite),
    ]


@login_required
@require_GET
def dashboard_export(request):
    """考核指标导出: the dashboard's tables (summary, months, ranking of child areas and of units, categories)
    as one workbook, in the same filters and scope as the dashboard.
    """
    from openpyxl import Workbook

    _require_viewer(request.user)
    form = RateFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/dash_bad_filters.html", {"form": form}, status=400)
    filters = _filters(form)
    area = _chosen_area(request.user, form.cleaned_data.get("area"))
    period, category = filters["period"], filters["category"]
    data = _dashboard_data(area, period, category)
    header = [str(h) for h in RATE_HEADER]
    settings = data["settings"]

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("汇总"))
    ws.append([_("区域"), area.name])
    ws.append([_("统计期"), f"{period.first:%Y-%m} ~ {period.last:%Y-%m}"])
    ws.append([_("类别"), category.name if category else _("全部类别")])
    ws.append(
        [
            _("权重"),
            _("响应率%(a)s%%，解决率%(b)s%%，满意率%(c)s%%，基本满意计入系数%(d)s")
            % {
                "a": settings.response_weight,
                "b": settings.resolution_weight,
                "c": settings.satisfaction_weight,
                "d": settings.basic_weight,
            },
        ]
    )
    ws.append([])
    ws.append([_("名称"), *header])
    ws.append([area.name, *_rate_cells(data["summary"])])

    ws = wb.create_sheet(_("按月"))
    ws.append([_("月份"), *header])
    for month, r in data["trend"]:
        ws.append([f"{month:%Y-%m}", *_rate_cells(r)])

    for title, rows in ((_("下级区域排名"), data["child_ranking"]), (_("单位排名"), data["unit_ranking"])):
        ws = wb.create_sheet(title)
        ws.append([_("名次"), _("名称"), *header])
        for row in rows:
            ws.append([row.position or rates.EMPTY, row.entity.name, *_rate_cells(row.rates)])

    ws = wb.create_sheet(_("按类别"))
    ws.append([_("类别"), *header])
    for cat, r in data["categories"]:
        ws.append([cat.name, *_rate_cells(r)])
    return _xlsx_response(wb, f"rates-{area.pk}-{period.first:%Y%m}-{period.last:%Y%m}.xlsx")


LEDGER_HEADER = [
    gettext_lazy("编号"),
    gettext_lazy("标题"),
    gettext_lazy("提交时间"),
    gettext_lazy("渠道"),
    gettext_lazy("类别"),
    gettext_lazy("所在区域"),
    gettext_lazy("详细地址"),
    gettext_lazy("状态"),
    gettext_lazy("办理方式"),
    gettext_lazy("承办单位"),
    gettext_lazy("受理时间"),
    gettext_lazy("首次联系时间"),
    gettext_lazy("办结时间"),
    gettext_lazy("答复时间"),
    gettext_lazy("归档时间"),
    gettext_lazy("重办次数"),
    gettext_lazy("评价"),
    gettext_lazy("反映人"),
    gettext_lazy("联系电话"),
]


# Excel's limit of rows per sheet (header included): a bigger ledger continues on further sheets.
XLSX_MAX_ROWS = 1_048_576
# Rows per database fetch (a server-side cursor on PostgreSQL) and per CSV write: memory stays flat.
LEDGER_CHUNK = 2000
# Columns read for a ledger row: plain values (no model instances, cheap per row) and the four the contact
# rule needs (``rules.contact_checker``).
_LEDGER_FIELDS = (
    "number",
    "title",
    "channel",
    "category__name",
    "area__name",
    "address",
    "status",
    "handling_mode",
    "handler_unit__name",
    "reopen_count",
    "rating_value",
    "is_anonymous",
    "reporter_name",
    "reporter_phone",
    "reporter_id",
    "level_path",
    "handler_unit_id",
    "recorded_by_id",
)
# The ledger's timestamps, read as ``<name>_time`` (a datetime, or the local time as text: ``_LocalText``).
_LEDGER_TIMES = ("submitted_at", "accepted_at", "first_contact_at", "resolved_at", "replied_at", "closed_at")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); residents write titles.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class LedgerExportForm(LedgerFilterForm):
    format = forms.ChoiceField(
        label=gettext_lazy("格式"), choices=[("xlsx", "Excel"), ("csv", "CSV")], required=False
    )


class _LocalText(Func):
    """A timestamp as ``YYYY-MM-DD HH:MM:SS`` in the time zone ``tz`` (seconds cut, as ``isoformat`` cuts
    them), written by PostgreSQL. Parsing six timestamps a row in Python (psycopg's loader under Django's)
    and formatting them again was most of the CSV ledger's time: 3 of 6.6 s of CPU per 100,000 rows."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD HH24:MI:SS')"
    arg_joiner = " AT TIME ZONE "
    output_field = CharField()

    def __init__(self, expression, tz: str):
        super().__init__(expression, Value(tz))

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor != "postgresql":
            raise NotImplementedError("_LocalText is PostgreSQL's; other databases format in Python")
        return super().as_sql(compiler, connection, **extra)


def _ledger_values(qs, *, text_times: bool = False):
    """The ledger's cases of ``qs`` newest first, as named rows of ``_LEDGER_FIELDS`` with the latest rating
    and the ``_LEDGER_TIMES`` as ``<name>_time``: aware datetimes, or with ``text_times`` on PostgreSQL the
    local time as text (on SQLite the timestamps are text already and Python's converter is cheap)."""
    # One probe of the unique index (case, source_case, round), read backwards: the latest round's rating.
    latest_rating = Rating.objects.filter(case=OuterRef("pk"), source_case=OuterRef("pk")).order_by("-round")
    if text_times and connection.vendor == "postgresql":
        tz = timezone.get_current_timezone_name()
        times = {f"{name}_time": _LocalText(name, tz) for name in _LEDGER_TIMES}
    else:
        times = {f"{name}_time": F(name) for name in _LEDGER_TIMES}
    return (
        qs.annotate(rating_value=Subquery(latest_rating.values("value")[:1]), **times)
        .order_by("-submitted_at", "-id")
        .values_list(*_LEDGER_FIELDS, *times, named=True)
    )


def _ledger_rows(user, qs, *, text_times: bool):
    """One list of cells per case of ``qs`` (``_ledger_values``), in ``LEDGER_HEADER``'s order; timestamps in
    local time, as naive datetimes or (``text_times``) as ``YYYY-MM-DD HH:MM:SS``. The reporter's name and
    phone are masked unless the user may see the case's contact data (decided without a query).

    Everything that depends on the request (grants, language, time zone) is read here, before the rows: a
    streamed response is written after the view has returned.
    """
    sees_contact = rules.contact_checker(user)
    field = qs.model._meta.get_field
    channels, statuses, modes = (
        {k: str(v) for k, v in field(name).choices} for name in ("channel", "status", "handling_mode")
    )
    ratings = {k: str(v) for k, v in Rating._meta.get_field("value").choices}
    anonymous = _("匿名")
    tz = timezone.get_current_timezone()  # once: timezone.localtime() looks it up on every call

    def when(value):
        if value is None:
            return None if not text_times else ""
        if value.__class__ is str:  # written by the database (_LocalText)
            return value
        # Seconds cut in both formats, as on the case's page: a workbook stores a day fraction, and one read
        # back is rounded to the millisecond, so 11:38:20.9997 would read 11:38:21 there, 11:38:20 in the CSV.
        local = value.astimezone(tz).replace(tzinfo=None, microsecond=0)
        return local.isoformat(" ") if text_times else local

    return _rows(qs, when, sees_contact, channels, statuses, modes, ratings, anonymous)


def _rows(qs, when, sees_contact, channels, statuses, modes, ratings, anonymous):
    # In a transaction: PostgreSQL then reads the cursor as it is fetched. In autocommit, Django declares it
    # WITH HOLD, and the server copies the whole result (a million cases' rows) before the first row: 5-8 s
    # at 5 M cases. The transaction only reads; it ends with the last row, or when the client goes away.
    with transaction.atomic(savepoint=False):  # no savepoint to roll back to: a read
        for c in qs.iterator(chunk_size=LEDGER_CHUNK):
            if c.is_anonymous:
                name, phone = anonymous, ""
            elif sees_contact(c):
                name, phone = c.reporter_name, c.reporter_phone
            else:
                name, phone = mask_name(c.reporter_name), mask_phone(c.reporter_phone)
            yield [
                c.number,
                c.title,
                when(c.submitted_at_time),
                channels.get(c.channel, c.channel),
                c.category__name,
                c.area__name,
                c.address,
                statuses.get(c.status, c.status),
                modes.get(c.handling_mode, "") if c.handling_mode else "",
                c.handler_unit__name or "",
                when(c.accepted_at_time),
                when(c.first_contact_at_time),
                when(c.resolved_at_time),
                when(c.replied_at_time),
                when(c.closed_at_time),
                c.reopen_count,
                ratings.get(c.rating_value, "") if c.rating_value else "",
                name,
                phone,
            ]


# The columns people type (or residents submit): the ones a spreadsheet could take for a formula.
_TEXT_COLUMNS = (1, 6, 17, 18)


def _xlsx_ledger(rows, header: list[str]) -> FileResponse:
    """The ledger as a write-only workbook: new sheets after ``XLSX_MAX_ROWS`` rows, text never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws, used, sheets = None, XLSX_MAX_ROWS, 0
    for row in rows:
        if used >= XLSX_MAX_ROWS:
            sheets += 1
            title = _("诉求台账") if sheets == 1 else _("诉求台账（%(n)s）") % {"n": sheets}
            ws, used = wb.create_sheet(title), 1
            ws.append(header)
        for i in _TEXT_COLUMNS:
            value = row[i]
            if value and (value[0] in _FORMULA_START or ILLEGAL_CHARACTERS_RE.search(value)):
                cell = WriteOnlyCell(ws, ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
                row[i] = cell
        ws.append(row)
        used += 1
    if ws is None:
        wb.create_sheet(_("诉求台账")).append(header)
    return _xlsx_response(wb, f"ledger-{timezone.localdate():%Y%m%d}.xlsx")


def _csv_ledger(rows, header: list[str]) -> StreamingHttpResponse:
    """The ledger as UTF-8 CSV with a BOM (so Excel reads the Chinese), streamed: the header goes out at
    once, then the rows in chunks as the database cursor yields them; nothing is held but one chunk."""

    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield codecs.BOM_UTF8 + buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        count = 0
        for row in rows:
            for i in _TEXT_COLUMNS:
                if row[i] and row[i][0] in _FORMULA_START:
                    row[i] = "'" + row[i]
            writer.writerow(row)
            count += 1
            if count % LEDGER_CHUNK == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.localdate():%Y%m%d}.csv"'
    return response


@login_required
@require_GET
def ledger(request, fmt: str = "xlsx"):
    """诉求台账导出: the cases the user may see, in the filters of the case list or the dashboard (area, period
    of submission, category, status, keywords), one row per case, as Excel (``ledger.xlsx``) or CSV
    (``ledger.csv``, or ``format=csv``). The reporter's name and phone are masked unless the viewer may see
    the contact data of that case. Rows come from ``iterator()``; the CSV is streamed as it is read, the
    workbook is built first (openpyxl), so exports of a whole city's years are for the CSV.
    """
    form = LedgerExportForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/dash_bad_filters.html", {"form": form}, status=400)
    fmt = form.cleaned_data.get("format") or fmt
    data = form.cleaned_data
    qs = case_visible(request.user)
    if data.get("area"):
        area = Area.objects.filter(pk=data["area"]).first()
        if area is None or not permissions.can(request.user, permissions.VIEW_AREA, area):
            raise Http404
        qs = qs.filter(subtree_q(area.path, "area_path"))
    if data.get("months"):
        period = rates.Period.ending(data.get("until"), data["months"])
        qs = qs.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
    if data.get("category"):
        qs = qs.filter(category_id__in=rates.category_ids(data["category"]))
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("q"):
        qs = filter_cases(qs, data["q"])
    header = [str(h) for h in LEDGER_HEADER]
    text_times = fmt == "csv"
    rows = _ledger_rows(request.user, _ledger_values(qs, text_times=text_times), text_times=text_times)
    return _csv_ledger(rows, header) if text_times else _xlsx_ledger(rows, header)


@login_required
@require_http_methods(["GET", "POST"])
def rate_settings(request):
    """考核设置: admins change the weights of the composite score and of 基本满意 (see ``cases.rates``)."""
    if not permissions.can(request.user, permissions.CHANGE_RATE_SETTINGS):
        raise PermissionDenied
    current = RateSettings.current()
    initial = {
        name: getattr(current, name)
        for name in (
            "basic_weight",
            "response_weight",
            "resolution_weight",
            "satisfaction_weight",
            "rating_window_days",
        )
    }
    status = 200
    form = RateSettingsForm(initial=initial)
    if request.method == "POST":
        form = RateSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.rate_settings_update(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("考核设置已保存。"))
                return redirect("cases:rate_settings")
        status = 400
    return render(request, "cases/dash_settings.html", {"form": form}, status=status)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard_export, name="dashboard_export"),
    path("dashboard/settings/", rate_settings, name="rate_settings"),
    path("ledger.xlsx", ledger, name="ledger"),
    path("ledger.csv", ledger, {"fmt": "csv"}, name="ledger_csv"),
]
