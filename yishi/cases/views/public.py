"""Case pages for residents: the online opinion box (听), tracking a case, my cases, rating the reply (评).

Nobody needs an account here: an anonymous reporter follows the case through its secret tracking link.
A case the visitor did not report (and holds no token for) is a 404, exactly like a missing one. These pages
never show internal notes, and never another person's phone or full name.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.areas.models import Area, subtree_q
from yishi.core.forms import add_service_errors
from yishi.core.masking import mask_name, mask_text

from .. import selectors, services
from ..models import Case, Category, Rating, RatingValue
from ..routing import selectable_categories, suggest_category
from ..workflow import HANDLING_STATUSES, Status

SESSION_DONE = "cases_box_done"
MAX_AREA_CHOICES = 800


# ---------------------------------------------------------------- forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to a few photos in one input; the intake service checks their number and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "data-testid": "photos"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def category_choices() -> list:
    """The selectable categories grouped under their top-level category (a grouped select)."""
    every = {c.pk: c for c in Category.objects.filter(is_active=True)}
    groups: dict[int | None, list] = {}
    order: list = []
    for category in selectable_categories():
        root, trail = category, []
        while root.parent_id and root.parent_id in every and len(trail) < 10:
            trail.append(root.name)
            root = every[root.parent_id]
        if root.pk == category.pk:
            key, label = None, category.name
        else:
            key, label = root.pk, " › ".join(reversed(trail))
        if key not in groups:
            groups[key] = []
            order.append((key, root.name))
        groups[key].append((str(category.pk), label))
    choices: list = [("", _("请选择类别"))]
    for key, name in order:
        if key is None:
            choices.extend(groups[None])
        else:
            choices.append((name, groups[key]))
    return choices


class AreaChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, base_depth: int = 0, **kwargs):
        self.base_depth = base_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Area) -> str:
        return "\u3000" * (obj.depth - self.base_depth) + obj.name


class OpinionBoxForm(forms.Form):
    """网上意见征集箱: the shape of the input; the rules are the intake service's."""

    title = forms.CharField(label=gettext_lazy("标题"), max_length=120, required=False)
    text = forms.CharField(
        label=gettext_lazy("反映内容"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("类别"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("请选择类别。"),
            "invalid_choice": gettext_lazy("请从列表中选择类别。"),
        },
    )
    category_auto = forms.CharField(required=False, widget=forms.HiddenInput, initial="1")
    area = AreaChoiceField(
        label=gettext_lazy("位置（社区、网格或楼栋）"),
        queryset=Area.objects.none(),
        empty_label=None,
        error_messages={
            "required": gettext_lazy("请选择位置。"),
            "invalid_choice": gettext_lazy("请从列表中选择本社区内的位置。"),
        },
    )
    address = forms.CharField(label=gettext_lazy("详细地址"), max_length=255, required=False)
    latitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    photos = PhotosField(label=gettext_lazy("照片（最多3张）"))
    is_anonymous = forms.BooleanField(label=gettext_lazy("匿名反映"), required=False)
    reporter_name = forms.CharField(label=gettext_lazy("您的姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    def __init__(self, *args, box: Area, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["area"].queryset = (
            Area.objects.filter(is_active=True).filter(subtree_q(box.path, "path")).order_by("path")
        )
        self.fields["area"].base_depth = box.depth
        self.fields["area"].initial = box.pk
        if signed_in:
            del self.fields["reporter_name"]
            del self.fields["reporter_phone"]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", name.replace("_", "-"))

    def clean_category(self):
        pk = self.cleaned_data["category"]
        category = Category.objects.filter(pk=pk, is_active=True).first()
        if category is None:
            raise ValidationError(_("请从列表中选择类别。"))
        return category


class RateForm(forms.Form):
    value = forms.ChoiceField(
        label=gettext_lazy("您对答复的评价"),
        choices=RatingValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择满意、基本满意或不满意。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# ---------------------------------------------------------------- opinion box


def _box_area(area_id: int) -> Area:
    return get_object_or_404(Area, pk=area_id, is_active=True)


def opinion_box(request, area_id: int):
    """网上意见征集箱: anyone files a case for the area (anonymously, or as the signed-in reporter)."""
    box = _box_area(area_id)
    signed_in = request.user.is_authenticated
    if request.method != "POST":
        form = OpinionBoxForm(box=box, signed_in=signed_in)
        return render(request, "cases/public_box.html", {"box": box, "form": form})
    form = OpinionBoxForm(request.POST, request.FILES, box=box, signed_in=signed_in)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("category_auto", None)
        try:
            case = services.opinion_box_submit(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            show_link = case.reporter_id is None
            request.session[SESSION_DONE] = {
                "number": case.number,
                "token": case.tracking_token if show_link else "",
                "box": box.pk,
            }
            return redirect("cases:opinion_box_done")
    return render(request, "cases/public_box.html", {"box": box, "form": form}, status=400)


def opinion_box_done(request):
    """The confirmation: the case number and, for a reporter without an account, the secret link — shown
    once (it is taken out of the session as it is shown)."""
    done = request.session.pop(SESSION_DONE, None)
    if not done:
        return redirect("core:portal")
    track = reverse("cases:track", args=[done["number"]])
    link = request.build_absolute_uri(f"{track}?{urlencode({'t': done['token']})}") if done["token"] else ""
    response = render(
        request,
        "cases/public_box_done.html",
        {"number": done["number"], "link": link, "track": track, "box_id": done["box"]},
    )
    response["Cache-Control"] = "no-store"
    return response


def _coordinate(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None


@require_POST
def opinion_box_hints(request, area_id: int):
    """htmx: as the resident types, the suggested category (pre-selected while they have not picked one)
    and open cases that look like the same problem. Nothing is saved."""
    box = _box_area(area_id)
    form = OpinionBoxForm(request.POST, box=box, signed_in=request.user.is_authenticated)
    text = f"{request.POST.get('title', '')} {request.POST.get('text', '')}".strip()
    suggestions = suggest_category(text)
    chosen = None
    try:
        chosen = Category.objects.filter(pk=int(request.POST.get("category") or 0), is_active=True).first()
    except ValueError:
        chosen = None
    auto = request.POST.get("category_auto", "1") != "0" or chosen is None
    category = suggestions[0][0] if auto and suggestions else chosen
    try:
        area = form.fields["area"].queryset.get(pk=int(request.POST.get("area") or box.pk))
    except (ValueError, Area.DoesNotExist):
        area = box
    lat, lon = _coordinate(request.POST.get("latitude")), _coordinate(request.POST.get("longitude"))
    if lat is None or lon is None or abs(lat) > 90:
        lat = lon = None
    similar = []
    if category is not None and len(text) >= 4:
        similar = selectors.similar_open_cases(
            user=None, area=area, category=category, text=text, latitude=lat, longitude=lon
        )
    select_form = None
    if auto and suggestions:
        select_form = OpinionBoxForm(
            box=box,
            signed_in=request.user.is_authenticated,
            initial={"category": suggestions[0][0].pk, "category_auto": "1"},
        )
    return render(
        request,
        "cases/public_box_hints.html",
        {
            "suggestions": suggestions,
            "select_form": select_form,
            "similar": [
                {
                    "number": c.number,
                    "title": mask_text(c.title),
                    "status": c.get_status_display(),
                    "at": c.submitted_at,
                }
                for c in similar
            ],
        },
    )


# ---------------------------------------------------------------- tracking and rating

STAGES = [
    (gettext_lazy("提交"), "submitted"),
    (gettext_lazy("受理"), "accepted"),
    (gettext_lazy("办理"), "handling"),
    (gettext_lazy("答复"), "replied"),
    (gettext_lazy("评价"), "rated"),
]


def _stage_reached(case: Case) -> int:
    """How many stages of 提交 → 受理 → 办理 → 答复 → 评价 are done."""
    status = case.status
    if status == Status.CLOSED:
        return 5
    if status == Status.REPLIED:
        return 4
    if status == Status.RESOLVED:
        return 3
    if status in HANDLING_STATUSES or status == Status.SUPERVISED:
        return 2
    if status in (Status.ACCEPTED, Status.IN_POOL):
        return 2 if case.reopen_count else 1
    return 1


def progress(case: Case) -> list[dict]:
    """The friendly progress line of ``case``: each stage done, current or still to come."""
    reached = _stage_reached(case)
    stopped = case.status == Status.REJECTED
    steps = []
    for index, (label, key) in enumerate(STAGES):
        if index < reached:
            state = "done"
        elif index == reached and not stopped:
            state = "current"
        else:
            state = "todo"
        steps.append({"label": label, "key": key, "state": state})
    return steps


def _surviving(case: Case) -> Case:
    """The case whose progress a merged case's reporter follows (merges may chain; a few hops at most)."""
    current = case
    for _hop in range(5):
        if current.status != Status.MERGED or current.merged_into_id is None:
            break
        current = (
            current.merged_into
            if current is case
            else Case.objects.select_related("category", "handler_unit", "merged_into").get(
                pk=current.merged_into_id
            )
        )
    return current


def _token(request) -> str:
    return (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""


def _reporters_case(request, number: str) -> Case:
    try:
        return selectors.case_for_reporter(number=number, user=request.user, token=_token(request))
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def _track_url(case: Case, token: str) -> str:
    url = reverse("cases:track", args=[case.number])
    return f"{url}?{urlencode({'t': token})}" if token else url


def _render_track(request, case: Case, *, rate_form: RateForm | None = None, status: int = 200):
    shown = _surviving(case)
    replies = [
        {
            "channel": reply.get_channel_display(),
            "text": mask_text(reply.text),
            "at": reply.replied_at,
            "by": mask_name(
                getattr(reply.replied_by.person, "name", "") if reply.replied_by.person_id else ""
            ),
        }
        for reply in shown.replies.select_related("replied_by__person").order_by("replied_at", "pk")
    ]
    ratings = list(Rating.objects.filter(case=shown, source_case=case).order_by("round", "pk"))
    rated_this_round = any(r.round == shown.reopen_count for r in ratings)
    may_rate = (
        shown.status == Status.REPLIED
        and not rated_this_round
        and (shown.pk == case.pk or case.merged_into_id == shown.pk)
    )
    response = render(
        request,
        "cases/public_track.html",
        {
            "case": case,
            "shown": shown,
            "shown_title": mask_text(shown.title) if shown.pk != case.pk else case.title,
            "steps": progress(shown),
            "replies": replies,
            "ratings": ratings,
            "may_rate": may_rate,
            "rate_form": rate_form or RateForm(),
            "token": _token(request),
            "reject_reason": mask_text(shown.reject_reason) if shown.status == Status.REJECTED else "",
        },
        status=status,
    )
    # The link carries the secret: keep it out of caches and out of the Referer of links to other sites.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def track(request, number: str):
    """进度查询: the reporter's view of their case (signed in as its reporter, or with ``?t=<token>``)."""
    return _render_track(request, _reporters_case(request, number))


@require_POST
def rate(request, number: str):
    """评价: the reporter of ``number`` rates the reply to it (or to the case it was merged into)."""
    case = _reporters_case(request, number)
    shown = _surviving(case)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.case_rate(
                case=shown,
                source_case=case,
                value=form.cleaned_data["value"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            shown.refresh_from_db(fields=["status"])
            if shown.pk != case.pk:
                messages.success(request, _("感谢您的评价，已记录。"))
            elif shown.status == Status.CLOSED:
                messages.success(request, _("感谢您的评价，诉求已办结归档。"))
            elif shown.status == Status.SUPERVISED:
                messages.info(request, _("您再次不满意，诉求已转督办，督办人员会跟进。"))
            else:
                messages.info(request, _("您不满意，诉求已重新办理（重办），请留意进度。"))
            return redirect(_track_url(case, _token(request)))
    return _render_track(request, case, rate_form=form, status=400)


@login_required
def mine(request):
    """我的诉求: the cases the signed-in resident reported, newest first (keyset paging by ``before``)."""
    before = selectors.parse_keyset(request.GET.get("before", ""))
    limit = 30
    cases = selectors.reported_cases(user=request.user, before=before, limit=limit + 1)
    more = len(cases) > limit
    cases = cases[:limit]
    rows = [
        {
            "case": c,
            "status": (
                c.merged_into if c.status == Status.MERGED and c.merged_into else c
            ).get_status_display(),
        }
        for c in cases
    ]
    next_before = f"{cases[-1].submitted_at.isoformat()}_{cases[-1].pk}" if more and cases else ""
    return render(request, "cases/public_mine.html", {"rows": rows, "next_before": next_before})


urlpatterns = [
    path("box/<int:area_id>/", opinion_box, name="opinion_box"),
    path("box/<int:area_id>/hints/", opinion_box_hints, name="opinion_box_hints"),
    path("box/done/", opinion_box_done, name="opinion_box_done"),
    path("track/<str:number>/", track, name="track"),
    path("track/<str:number>/rate/", rate, name="rate"),
    path("mine/", mine, name="mine"),
]
