"""Case pages for those who handle cases: lists, the case page with its actions, deadlines, supervision.

The case page shows only the actions the user may take now: the workflow's allowed actions from the case's
status, filtered by ``rules.holds``; plus the steps that are not changes of status (first contact, a part's
acknowledgement, extensions, the joint meeting's minutes, publishing). Each action is a small form posting to
``act``, which calls one service; htmx swaps the case body in place, a plain POST redirects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, partial
from html import escape  # what django.utils.html.escape calls, without its lazy-text wrapper per value

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import OuterRef, Subquery, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from yishi.accounts.models import Role
from yishi.areas.models import LEVEL_ORDER, Level
from yishi.audit.selectors import timeline_for
from yishi.core import permissions
from yishi.core.choices import choice_label
from yishi.core.forms import add_service_errors
from yishi.core.masking import mask_name, mask_phone, mask_public_text

from .. import rules, services
from .. import staff_forms as f
from ..models import PENDING_PART_STATUSES, Case, CasePart, CaseStep, Extension, HandlingMode, Step
from ..selectors import (
    case_get,
    case_list,
    case_visible,
    deadline_branches,
    has,
    joint_meetings,
    parse_keyset,
    similar_open_cases,
    steps_due,
)
from ..workflow import HANDLING_STATUSES, Action, Status, allowed_actions

PAGE_SIZE = 20
DUE_SOON_HOURS = 24
# What a row of the case list shows: the fields ``case_list(columns=...)`` reads as dicts, besides id and time.
LIST_COLUMNS = (
    "number",
    "title",
    "status",
    "category__name",
    "area__name",
    "handler_unit__name",
)

# ---------------------------------------------------------------- deadline flags


def flag_of(due_at, done_at, now) -> str:
    """'done', 'late' (done after the deadline), 'overdue', 'due_soon' or '' for a deadline."""
    if done_at is not None:
        return "done" if done_at <= due_at else "late"
    if due_at < now:
        return "overdue"
    if due_at < now + dt.timedelta(hours=DUE_SOON_HOURS):
        return "due_soon"
    return ""


def _case_link() -> Callable[[str], str]:
    """The case page's URL for a number, reversed once per page rather than once per row."""
    pattern = reverse("cases:detail", args=["NUMBER"])
    return lambda number: pattern.replace("NUMBER", number)


@cache
def _list_expressions() -> dict:
    """The computed columns of the case list's rows, read in the rows' own query: the earliest open deadline
    (its step and time) and the manual-dispatch mark. As two more queries per page they cost more to build
    and to send than the whole row query.

    Built once per worker: they hold nothing of a request, and the same dict lets the rows' statement be
    compiled once (``selectors._rows_statement``). Never changed by a reader (a queryset copies what it
    annotates)."""
    from yishi.routing.selectors import awaits_manual_dispatch

    pending = (
        CaseStep.objects.filter(case_id=OuterRef("pk"), done_at__isnull=True)
        .exclude(step=Step.RATE)
        .order_by("due_at", "id")
    )
    return {
        "next_step": Subquery(pending.values("step")[:1]),
        "next_due": Subquery(pending.values("due_at")[:1]),
        "manual": awaits_manual_dispatch(),
    }


def _list_rows(cases: list[dict]) -> list[dict]:
    """The case list's rows (``case_list(columns=LIST_COLUMNS, expressions=_list_expressions())``) as the
    texts it shows: what is the same on every row (the case link's pattern, the deadline marks) is built once
    per page, not per row in the template — twenty rows of attribute chains, URL reversals and includes were
    most of the page's rendering."""
    now = timezone.now()
    link = _case_link()
    zone = timezone.get_current_timezone()  # once, not per row (timezone.localtime looks it up each time)
    marks: dict[str, str] = {}
    labels: dict[tuple, str] = {}  # a label translated once per page, not per row

    def label(choices, value) -> str:
        key = (choices, value)
        if key not in labels:
            labels[key] = str(choice_label(choices, value))
        return labels[key]

    rows = []
    for case in cases:
        due, flag = "", ""
        if case["next_due"] is not None:
            due_at = case["next_due"]
            due = f"{label(Step, case['next_step'])} {due_at.astimezone(zone):%m-%d %H:%M}"
            flag = flag_of(due_at, None, now)
            if flag and flag not in marks:
                marks[flag] = render_to_string("cases/staff_flag.html", {"flag": flag})
        rows.append(
            {
                "id": case["id"],
                "number": case["number"],
                "url": link(case["number"]),
                "title": case["title"],
                "category": case["category__name"],
                "manual": case["manual"],
                "area": case["area__name"],
                "status": label(Status, case["status"]),
                "unit": case["handler_unit__name"] or "",
                "due": due,
                "flag": marks.get(flag, ""),
            }
        )
    return rows


_LIST_ROW = (
    '<tr data-testid="case-row" data-number="{number}"><td><a href="{url}">{number}</a></td><td>{title}</td>'
    "<td>{category} {manual}</td><td>{area}</td><td>{status}</td><td>{unit}</td><td>{due}</td></tr>\n"
)


def _list_rows_html(rows: list[dict], manual_mark: str) -> SafeString:
    """The case list's rows (``_list_rows``) as HTML, written here rather than by the template engine (as
    the deadline lists' rows are): twenty rows of seven cells were a third of the page's rendering. Every
    value from the database is escaped; ``manual_mark`` and the flags are the project's own markup."""
    return mark_safe(
        "".join(
            _LIST_ROW.format(
                number=escape(row["number"]),
                url=escape(row["url"]),
                title=escape(row["title"]),
                category=escape(row["category"]),
                manual=manual_mark if row["manual"] else "",
                area=escape(row["area"]),
                status=escape(row["status"]),
                unit=escape(row["unit"] or "—"),
                due=f"{escape(row['due'])} {row['flag']}" if row["due"] else "—",
            )
            for row in rows
        )
    )


# ---------------------------------------------------------------- lists


@login_required
def case_list_view(request):
    """诉求列表: the cases visible to the user, newest first, filtered, by keyset (``?before=<iso>_<id>``)."""
    form = f.CaseFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = case_list(
        user=request.user,
        status=filters.get("status", ""),
        open_only=bool(filters.get("open")),
        area=filters.get("area"),
        category=filters.get("category"),
        q=(filters.get("q") or "").strip(),
        before=parse_keyset(request.GET.get("before", "")),
        limit=PAGE_SIZE + 1,
        columns=LIST_COLUMNS,
        expressions=_list_expressions(),
    )
    has_next = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    rows = _list_rows(cases)
    next_query = ""
    if has_next:
        query = request.GET.copy()
        query["before"] = f"{cases[-1]['submitted_at'].isoformat()}_{cases[-1]['id']}"
        next_query = query.urlencode()
    status = 200 if not form.is_bound or form.is_valid() else 400
    manual_mark = render_to_string("routing/manual_flag.html", {"flagged": True})
    return render(
        request,
        "cases/staff_list.html",
        {
            "form": form,
            "rows": rows,
            "rows_html": _list_rows_html(rows, manual_mark),
            "next_query": next_query,
            "can_record": _can_record(request.user),
        },
        status=status,
    )


def _group(steps, key: Callable) -> list[tuple[str, int, int]]:
    """(name, overdue, due soon) per group, most overdue first."""
    counts: dict[str, list[int]] = {}
    for step, flag in steps:
        counts.setdefault(key(step), [0, 0])[0 if flag == "overdue" else 1] += 1
    return sorted(((k, v[0], v[1]) for k, v in counts.items()), key=lambda r: (-r[1], -r[2], r[0]))


def _group_rows(groups: list[tuple[str, int, int]], testid: str) -> SafeString:
    """``_group``'s rows as HTML, written here as the deadline rows are (a unit's steps span a hundred areas
    and more); names escaped."""
    return mark_safe(
        "".join(
            f'<tr data-testid="{testid}"><td>{escape(name)}</td><td>{over}</td><td>{soon}</td></tr>\n'
            for name, over, soon in groups
        )
    )


@login_required
def deadlines(request):
    """临期与超期: due-soon and overdue deadlines in the user's scope, per area and per unit, with the
    supervision mark the overdue job sets (督办)."""
    now = timezone.now()
    branches = deadline_branches(request.user)  # read once for both lists
    overdue = steps_due(user=request.user, overdue=True, now=now, branches=branches)
    due_soon = steps_due(user=request.user, within_hours=DUE_SOON_HOURS, now=now, branches=branches)
    flagged = [(s, "overdue") for s in overdue] + [(s, "due_soon") for s in due_soon]
    self_handled = _("（社区/街道自办）")

    def unit_name(step: dict) -> str:
        return _step_unit(step) or self_handled

    supervisor = bool(permissions.roles_of(request.user) & rules.SUPERVISORS) or permissions.is_superadmin(
        request.user
    )
    return render(
        request,
        "cases/staff_deadlines.html",
        {
            "overdue": overdue,
            "due_soon": due_soon,
            "overdue_rows": _deadline_rows(overdue, "overdue"),
            "due_soon_rows": _deadline_rows(due_soon, "due_soon"),
            "by_area": _group_rows(_group(flagged, lambda s: s["case__area__name"]), "area-row"),
            "by_unit": _group_rows(_group(flagged, unit_name), "unit-row"),
            "is_supervisor": supervisor,
        },
    )


_DEADLINE_ROW = (
    '<tr data-testid="deadline-row" data-number="{number}" data-step="{step}">'
    '<td><a href="{url}">{number}</a></td><td>{title}</td><td>{label}</td><td>{due}</td>'
    "<td>{area}</td><td>{unit}</td><td>{flag}{supervised}</td></tr>\n"
)


def _step_unit(step: dict) -> str:
    """The unit a deadline (a ``steps_due`` row) waits on: its own, else its case's handler ("" for none)."""
    return step["unit__name"] or step["case__handler_unit__name"] or ""


def _deadline_rows(steps: list[dict], flag: str) -> SafeString:
    """A deadline list's rows (``steps_due``) as HTML, written here rather than by the template engine: up to
    200 rows of nine fields a list were most of the page's time. Every value from the database is escaped;
    the row's markup is ``_DEADLINE_ROW``, the table around it ``cases/staff_deadline_rows.html``."""
    link = _case_link()
    labels = {value: escape(str(label)) for value, label in Step.choices}
    flag_html = render_to_string("cases/staff_flag.html", {"flag": flag})  # the same on every row
    supervised = ' <span class="tag" data-testid="row-supervised">{}</span>'.format(escape(_("已督办")))
    zone = timezone.get_current_timezone()  # once, not per row (timezone.localtime looks it up each time)
    return mark_safe(
        "".join(
            _DEADLINE_ROW.format(
                number=escape(s["case__number"]),
                step=escape(s["step"]),
                url=escape(link(s["case__number"])),
                title=escape(s["case__title"]),
                label=labels.get(s["step"]) or escape(s["step"]),
                due=f"{s['due_at'].astimezone(zone):%Y-%m-%d %H:%M}",
                area=escape(s["case__area__name"]),
                unit=escape(_step_unit(s) or "—"),
                flag=flag_html,
                supervised=supervised if s["supervised_at"] is not None else "",
            )
            for s in steps
        )
    )


def _dept_units(user) -> list[int]:
    return [
        g.unit_id
        for g in permissions.active_grants(user)
        if g.role == Role.DEPARTMENT_STAFF and g.unit_id is not None
    ]


@login_required
def pool(request):
    """认领池: pooled cases a department of the user may claim."""
    if not _dept_units(request.user) and not permissions.is_superadmin(request.user):
        raise Http404
    cases = case_list(user=request.user, status=Status.IN_POOL, limit=100)
    prefetch_related_objects(cases, "level_area")  # the claim rule reads it: one query, not one per case
    cases = [c for c in cases if rules.holds(request.user, c, Action.CLAIM)]
    return render(request, "cases/staff_pool.html", {"cases": cases})


@login_required
def parts(request):
    """部门分工: the whistled parts sent to the user's department(s), to acknowledge and finish."""
    units = _dept_units(request.user)
    if not units and not permissions.is_superadmin(request.user):
        raise Http404
    rows = list(
        CasePart.objects.filter(unit_id__in=units, status__in=PENDING_PART_STATUSES, case__is_open=True)
        .select_related("case", "case__area", "unit")
        .order_by("acknowledge_due")[:200]
    )
    now = timezone.now()
    entries = [
        {
            "part": p,
            "flag": flag_of(p.acknowledge_due, p.acknowledged_at, now),
            "form": f.FinishForm(prefix=f"finish-{p.pk}")
            if p.status == CasePart.PartStatus.ACKNOWLEDGED
            else None,
        }
        for p in rows
    ]
    return render(request, "cases/staff_parts.html", {"entries": entries})


# ---------------------------------------------------------------- intake of offline channels


def _can_record(user) -> bool:
    return permissions.is_superadmin(user) or any(
        g.role in rules.RECORDERS for g in permissions.active_grants(user)
    )


@login_required
def record(request):
    """登记诉求: staff, grid workers, building stewards and deputies record a case from an offline channel.

    Similar open cases are shown first; the recorder confirms to save anyway (or goes to merge it there).
    """
    if not _can_record(request.user):
        raise Http404
    form = f.RecordForm(request.POST or None, user=request.user)
    similar = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            similar = similar_open_cases(
                user=request.user,
                area=data["area"],
                category=data["category"],
                text=data["title"] + data["text"],
            )
            if similar and not data["confirmed"]:
                form.data = form.data.copy()
                form.data["confirmed"] = "True"
                status = 200
            else:
                try:
                    case = services.case_submit(
                        actor=request.user,
                        area=data["area"],
                        category=data["category"],
                        title=data["title"],
                        text=data["text"],
                        channel=data["channel"],
                        reporter_name=data["reporter_name"],
                        reporter_phone=data["reporter_phone"],
                        address=data["address"],
                        urgency=data["urgency"],
                        parties=data["parties"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已登记诉求 %(number)s。") % {"number": case.number})
                    return redirect("cases:detail", number=case.number)
    return render(request, "cases/staff_record.html", {"form": form, "similar": similar}, status=status)


# ---------------------------------------------------------------- the case page and its actions


@dataclass
class Entry:
    """One action the user may take on the case now, with the way to build its form.

    The form is built when first read: the case page writes only the forms shown open (``inline``: posted
    with errors, or asked for with ``?act=``); the others load when their panel is opened (``action_form``).
    Written for every action, the forms went through Django's form templates on every view (an eighth of
    the page's CPU in a profile) and put hundreds of unit and people options nobody opened into the page.
    """

    name: str
    label: str
    make_form: Callable[[], forms.Form]
    key: str = ""
    object_id: int | None = None
    inline: bool = False

    @property
    def dom_key(self) -> str:
        return self.key or self.name

    @cached_property
    def form(self) -> forms.Form:
        return self.make_form()


def _form_for(name: str, case: Case, data=None, *, obj=None, steps=()) -> forms.Form:
    """The form of action ``name`` (bound to ``data`` when posted). ``obj`` is the part, extension or meeting
    a per-object action is about."""
    prefix = f"{name}-{obj.pk}" if obj is not None else name
    initial = {"category": case.category_id} if name == Action.ACCEPT else {}
    kwargs: dict = {"prefix": prefix, "initial": initial}
    form_class = FORMS[name]
    if form_class in (f.JointForm, f.AssignForm, f.WhistleForm):
        kwargs["case"] = case
    if form_class is f.ExtensionRequestForm:
        kwargs["steps"] = steps
    return form_class(data, **kwargs)


FORMS: dict[str, type[forms.Form]] = {
    Action.ACCEPT: f.AcceptForm,
    Action.REJECT: f.ReasonForm,
    Action.MERGE: f.MergeForm,
    "contact": f.ContactForm,
    Action.HANDLE_SELF: f.NoteForm,
    Action.JOINT: f.JointForm,
    Action.ASSIGN: f.AssignForm,
    Action.POOL: f.NoteForm,
    Action.CLAIM: f.EmptyForm,
    Action.WHISTLE: f.WhistleForm,
    "acknowledge": f.PartForm,
    "finish": f.FinishForm,
    Action.REFER_COUNCIL: f.RequiredNoteForm,
    Action.REFER_MEDIATION: f.RequiredNoteForm,
    Action.SUGGEST: f.RequiredNoteForm,
    Action.ESCALATE: f.ReasonForm,
    Action.RETURN: f.ReasonForm,
    Action.RESOLVE: f.ResolveForm,
    Action.REPLY: f.ReplyForm,
    "extension_request": f.ExtensionRequestForm,
    "extension_decide": f.ExtensionDecideForm,
    Action.CLOSE: f.CloseForm,
    "publish": f.EmptyForm,
    "meeting_record": f.MeetingRecordForm,
}
EXTRA_LABELS = {
    "contact": gettext_lazy("记录首次联系"),
    "acknowledge": gettext_lazy("报到"),
    "finish": gettext_lazy("完成分工"),
    "extension_request": gettext_lazy("申请延期"),
    "extension_decide": gettext_lazy("审批延期"),
    "publish": gettext_lazy("公示办理结果"),
    "meeting_record": gettext_lazy("记录联合办理会议纪要"),
}
# Transitions offered on the page, in the order a handler meets them. Rating belongs to the reporter,
# PARTS_DONE follows the last part and CLOSE_UNRATED is the job's.
PAGE_TRANSITIONS = [
    Action.ACCEPT,
    Action.REJECT,
    Action.MERGE,
    Action.HANDLE_SELF,
    Action.JOINT,
    Action.ASSIGN,
    Action.POOL,
    Action.CLAIM,
    Action.WHISTLE,
    Action.REFER_COUNCIL,
    Action.REFER_MEDIATION,
    Action.SUGGEST,
    Action.ESCALATE,
    Action.RETURN,
    Action.RESOLVE,
    Action.REPLY,
    Action.CLOSE,
]
STREET_LEVELS = (Level.STREET, Level.DISTRICT)
CONTACT_STATUSES = HANDLING_STATUSES | {Status.ACCEPTED, Status.IN_POOL}


def _label(name: str) -> str:
    return str(EXTRA_LABELS[name]) if name in EXTRA_LABELS else str(Action(name).label)


def _fits(case: Case, action: str, held_meeting: bool) -> bool:
    """What the service would refuse anyway, hidden from the page: street-only modes at community level, an
    escalation past the district, a return with no unit, resolving a joint case before its meeting is held."""
    if action in (Action.POOL, Action.WHISTLE):
        return case.level_area.level in STREET_LEVELS
    if action == Action.ESCALATE:
        parent_level = _parent_level(case)
        return parent_level is not None and LEVEL_ORDER[parent_level] >= LEVEL_ORDER[Level.DISTRICT]
    if action == Action.RETURN:
        return case.handler_unit_id is not None
    if action == Action.RESOLVE and case.handling_mode == HandlingMode.JOINT:
        return held_meeting
    return True


def _parent_level(case: Case):
    if case.level_area.parent_id is None:
        return None
    return case.level_area.parent.level


def available_actions(user, case: Case, *, parts=(), extensions=(), meetings=(), steps=()) -> list[Entry]:
    """Every action ``user`` may take on ``case`` now, each with an unbound form."""
    held = any(m.status == "held" for m in meetings)
    allowed = allowed_actions(case.status)
    entries = []
    for action in PAGE_TRANSITIONS:
        if action in allowed and _fits(case, action, held) and rules.holds(user, case, action):
            entries.append(Entry(action, _label(action), partial(_form_for, action, case)))
    handler = case.is_open and rules.holds(user, case, Action.RESOLVE)
    if handler and case.first_contact_at is None and case.status in CONTACT_STATUSES:
        entries.append(Entry("contact", _label("contact"), partial(_form_for, "contact", case)))
    for part in parts:
        if case.status != Status.WHISTLED or not rules.is_unit_staff(user, part.unit):
            continue
        if part.status == CasePart.PartStatus.SUMMONED:
            name = "acknowledge"
        elif part.status == CasePart.PartStatus.ACKNOWLEDGED:
            name = "finish"
        else:
            continue
        label = f"{_label(name)}：{part.unit.name}"
        entries.append(
            Entry(name, label, partial(_form_for, name, case, obj=part), f"{name}-{part.pk}", part.pk)
        )
    pending_steps = {e.step_id for e in extensions if e.decision == Extension.Decision.PENDING}
    open_steps = [
        s
        for s in steps
        if s.done_at is None
        and s.round == case.reopen_count
        and s.step != Step.RATE
        and s.pk not in pending_steps
    ]
    if handler and open_steps and case.status in CONTACT_STATUSES:
        entries.append(
            Entry(
                "extension_request",
                _label("extension_request"),
                partial(_form_for, "extension_request", case, steps=open_steps),
            )
        )
    dispatcher = rules.is_dispatcher(user, case)
    for ext in extensions:
        if dispatcher and ext.decision == Extension.Decision.PENDING:
            name = "extension_decide"
            label = f"{_label(name)}：{ext.step.get_step_display()} +{ext.requested_days}"
            entries.append(
                Entry(name, label, partial(_form_for, name, case, obj=ext), f"{name}-{ext.pk}", ext.pk)
            )
    for meeting in meetings:
        if dispatcher and meeting.status == "planned":
            name = "meeting_record"
            entries.append(
                Entry(
                    name,
                    _label(name),
                    partial(_form_for, name, case, obj=meeting),
                    f"{name}-{meeting.pk}",
                    meeting.pk,
                )
            )
    if case.status in (Status.RESOLVED, Status.REPLIED, Status.CLOSED) and _may_publish(user, case):
        entries.append(Entry("publish", _label("publish"), partial(_form_for, "publish", case)))
    return entries


def _may_publish(user, case: Case) -> bool:
    from yishi.notices.models import Notice, NoticeStatus

    community = services.ancestor_at(case.area, Level.COMMUNITY) or case.area
    if not permissions.can(user, permissions.CHANGE_NOTICE, community):
        return False
    return not Notice.objects.filter(
        source_type=ContentType.objects.get_for_model(Case),
        source_id=str(case.pk),
        status=NoticeStatus.PUBLISHED,
    ).exists()


def _ratings(case: Case) -> list:
    """The case's ratings, each with the number of the case it was given on (a merged duplicate's)."""
    return list(
        case.ratings.select_related("source_case")
        .only("case_id", "source_case_id", "value", "comment", "round", "rated_at", "source_case__number")
        .order_by("rated_at")
    )


def _get_case(user, number: str) -> Case:
    """The case for its page (``case_get(page=True)``), or 404 when missing or out of reach."""
    try:
        return case_get(user=user, number=number, page=True)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def _case_entries(user, case: Case) -> tuple[list, list, list, list, list[Entry]]:
    """(steps, parts, extensions, meetings, entries) of the case page: what it shows, and the actions
    ``user`` may take now (``available_actions``), their forms not built yet. A relation the case has none
    of (``selectors.has``) is not read."""
    steps = list(case.steps.select_related("unit").order_by("round", "due_at"))
    parts = []
    if has(case, "has_parts"):
        parts = rules.visible_parts(user, case, case.parts.select_related("unit").order_by("pk"))
    extensions = []
    if has(case, "has_extensions"):
        extensions = list(case.extensions.select_related("step").order_by("pk"))
    meetings = []
    if has(case, "has_meetings"):
        meetings = list(joint_meetings(case).prefetch_related("participants__unit", "participants__person"))
    entries = available_actions(
        user, case, parts=parts, extensions=extensions, meetings=meetings, steps=steps
    )
    return steps, parts, extensions, meetings, entries


def _merge_hints(user, case: Case, entry: Entry) -> list[Case]:
    """The open cases like this one, listed above the merge form and offered as its numbers (a datalist):
    the form's one search, made only where the form is written."""
    if entry.name != Action.MERGE:
        return []
    similar = similar_open_cases(
        user=user,
        area=case.area,
        category=case.category,
        text=case.title + case.text,
        latitude=case.latitude,
        longitude=case.longitude,
        exclude_pk=case.pk,
    )
    if similar:
        entry.form.fields["into"].widget.attrs["list"] = f"similar-{case.pk}"
    return similar


def _case_context(request, case: Case, *, bound: Entry | None = None, opened: str = "") -> dict:
    """The case page's context. ``bound`` is an action posted with errors, shown open in place of its empty
    form (or on top when the action is no longer offered); ``opened`` the ``dom_key`` of an action asked for
    open (``?act=``, the page's way to an action's form without JavaScript)."""
    user = request.user
    now = timezone.now()
    steps, parts, extensions, meetings, entries = _case_entries(user, case)
    stray_errors = None
    if bound is not None:
        for i, entry in enumerate(entries):
            if entry.dom_key == bound.dom_key:
                entries[i] = bound
                break
        else:
            stray_errors = bound.form
    similar = []
    for entry in entries:
        entry.inline = entry.inline or entry.dom_key == opened
        if entry.inline:
            similar = _merge_hints(user, case, entry) or similar
    see_contact = rules.can_see_contact(user, case)
    name, phone = case.reporter_contact()
    return {
        "case": case,
        # Those who may not see the reporter's contact must not read it in the text either.
        "text": case.text if see_contact else mask_public_text(case.text, names=[name]),
        "reporter_name": name if see_contact else mask_name(name),
        "reporter_phone": phone if see_contact else mask_phone(phone),
        "contact_masked": not see_contact,
        "steps": [{"step": s, "flag": flag_of(s.due_at, s.done_at, now)} for s in steps],
        "parts": [{"part": p, "flag": flag_of(p.acknowledge_due, p.acknowledged_at, now)} for p in parts],
        "replies": list(case.replies.order_by("replied_at")) if has(case, "has_replies") else [],
        "ratings": _ratings(case) if has(case, "has_ratings") else [],
        "extensions": extensions,
        "meetings": meetings,
        "merged_cases": (
            list(case.merged_cases.only("number", "title", "merged_into_id"))
            if has(case, "has_merged")
            else []
        ),
        "entries": entries,
        "stray_errors": stray_errors,
        "similar": similar,
        "events": timeline_for(case),
    }


@login_required
def detail(request, number: str):
    """诉求详情: everything about the case, and only the actions the user may take now."""
    case = _get_case(request.user, number)
    context = _case_context(request, case, opened=request.GET.get("act", ""))
    return render(request, "cases/detail.html", context)


@login_required
def action_form(request, number: str, key: str):
    """The form of one action of the case page (``Entry.dom_key``), loaded when its panel is opened: only
    an action the user may take now (404 otherwise, as for a case out of reach)."""
    case = _get_case(request.user, number)
    entry = next((e for e in _case_entries(request.user, case)[4] if e.dom_key == key), None)
    if entry is None:
        raise Http404
    similar = _merge_hints(request.user, case, entry)
    return render(request, "cases/staff_action_form.html", {"case": case, "entry": entry, "similar": similar})


PER_OBJECT = {"acknowledge", "finish", "extension_decide", "meeting_record"}


def _object_for(name: str, case: Case, object_id: str):
    """The part, extension or meeting a per-object action names (posted as ``object``), within this case."""
    if name not in PER_OBJECT:
        return None
    if name in ("acknowledge", "finish"):
        qs = case.parts.select_related("unit")
    elif name == "extension_decide":
        qs = case.extensions.all()
    else:
        qs = joint_meetings(case)
    try:
        return qs.get(pk=int(object_id))
    except (ValueError, TypeError, ObjectDoesNotExist) as exc:
        raise Http404 from exc


def _run(name: str, user, case: Case, form: forms.Form, obj):
    """Call the one service of action ``name`` with the form's cleaned data."""
    d = form.cleaned_data
    if name == Action.ACCEPT:
        return services.case_accept(actor=user, case=case, category=d.get("category"), note=d.get("note", ""))
    if name == Action.REJECT:
        return services.case_reject(actor=user, case=case, reason=d["reason"])
    if name == Action.MERGE:
        try:
            into = case_get(user=user, number=d["into"].strip())
        except Case.DoesNotExist as exc:
            raise ValidationError({"into": _("找不到该编号的诉求。")}) from exc
        return services.case_merge(actor=user, case=case, into=into)
    if name == "contact":
        return services.case_contact(actor=user, case=case, note=d["note"])
    if name == Action.HANDLE_SELF:
        return services.case_handle_self(actor=user, case=case, note=d.get("note", ""))
    if name == Action.JOINT:
        return services.case_joint(
            actor=user,
            case=case,
            scheduled_at=d["scheduled_at"],
            location=d["location"],
            participants=form.participants(),
        )
    if name == Action.ASSIGN:
        return services.case_assign(actor=user, case=case, unit=d["unit"], note=d.get("note", ""))
    if name == Action.POOL:
        return services.case_pool(actor=user, case=case, note=d.get("note", ""))
    if name == Action.CLAIM:
        return services.case_claim(actor=user, case=case)
    if name == Action.WHISTLE:
        return services.case_whistle(actor=user, case=case, parts=form.parts())
    if name == "acknowledge":
        return services.part_acknowledge(actor=user, part=obj)
    if name == "finish":
        return services.part_finish(actor=user, part=obj, result=d["result"])
    if name == Action.REFER_COUNCIL:
        return services.case_refer_council(actor=user, case=case, note=d["note"])
    if name == Action.REFER_MEDIATION:
        return services.case_refer_mediation(actor=user, case=case, note=d["note"])
    if name == Action.SUGGEST:
        return services.case_suggest(actor=user, case=case, note=d["note"])
    if name == Action.ESCALATE:
        return services.case_escalate(actor=user, case=case, reason=d["reason"])
    if name == Action.RETURN:
        return services.case_return(actor=user, case=case, reason=d["reason"])
    if name == Action.RESOLVE:
        return services.case_resolve(actor=user, case=case, result=d["result"])
    if name == Action.REPLY:
        return services.case_reply(actor=user, case=case, channel=d["channel"], text=d["text"])
    if name == "extension_request":
        return services.extension_request(
            actor=user, case=case, step=d["step"], days=d["days"], reason=d["reason"]
        )
    if name == "extension_decide":
        return services.extension_decide(
            actor=user, extension=obj, approve=d["decision"] == "approve", note=d.get("note", "")
        )
    if name == Action.CLOSE:
        return services.case_close(actor=user, case=case, conclusion=d["conclusion"])
    if name == "publish":
        return services.case_publish(actor=user, case=case)
    if name == "meeting_record":
        return services.case_joint_record(
            actor=user, case=case, meeting=obj, minutes=d["minutes"], outcome=d["outcome"]
        )
    raise Http404


@login_required
@require_POST
def act(request, number: str, action: str):
    """Take one action on the case: parse its form, call its service; errors go back beside their fields
    with status 400 (htmx swaps the case body; a plain POST re-renders the page)."""
    if action not in FORMS:
        raise Http404
    case = _get_case(request.user, number)
    steps = list(case.steps.filter(done_at__isnull=True)) if action == "extension_request" else ()
    obj = _object_for(action, case, request.POST.get("object", ""))
    form = _form_for(action, case, request.POST, obj=obj, steps=steps)
    key = f"{action}-{obj.pk}" if obj is not None else ""
    if form.is_valid():
        try:
            _run(action, request.user, case, form, obj)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, case, action)
    bound = Entry(action, _label(action), lambda: form, key, obj.pk if obj is not None else None, inline=True)
    case = _get_case(request.user, number)
    template = "cases/staff_case_body.html" if request.htmx else "cases/detail.html"
    return render(request, template, _case_context(request, case, bound=bound), status=400)


def _after_action(request, case: Case, action: str):
    still_visible = case_visible(request.user).filter(pk=case.pk).exists()
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}) or not target.startswith("/"):
        target = reverse("cases:detail", args=[case.number]) if still_visible else reverse("cases:list")
    if request.htmx:
        if still_visible and target == reverse("cases:detail", args=[case.number]):
            fresh = _get_case(request.user, case.number)
            return render(request, "cases/staff_case_body.html", _case_context(request, fresh))
        return HttpResponseClientRedirect(target)
    messages.success(request, _("已完成：%(action)s") % {"action": _label(action)})
    return redirect(target)


urlpatterns = [
    path("", case_list_view, name="list"),
    path("deadlines/", deadlines, name="deadlines"),
    path("pool/", pool, name="pool"),
    path("parts/", parts, name="parts"),
    path("new/", record, name="record"),
    path("<str:number>/act/<str:action>/", act, name="act"),
    path("<str:number>/form/<str:key>/", action_form, name="action_form"),
    path("<str:number>/", detail, name="detail"),
]
