"""落实跟踪 pages: the scoped list (overdue filter), an item's page with its updates and forms, and the
actions (create, report, cancel, volunteer) — each parses a form, calls one service, and on bad input
re-renders with the errors and status 400."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.areas.models import Area
from yishi.audit.selectors import timeline_for
from yishi.core import permissions
from yishi.core.forms import add_service_errors

from . import rules, selectors, services
from .forms import CancelForm, FollowUpForm, ReportForm, VolunteerForm
from .models import FollowUp

PAGE_SIZE = 50


@login_required
def followup_list(request):
    """落实事项: every item in the user's scope, by deadline; ``?overdue=1`` keeps the overdue ones."""
    overdue = request.GET.get("overdue") == "1"
    page = Paginator(selectors.followup_list(user=request.user, overdue=overdue), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "followups/list.html", {"page": page, "overdue": overdue})


def _detail(request, item: FollowUp, *, status=200, **forms):
    user = request.user
    children = list(selectors.items().filter(parent=item).order_by("deadline", "id"))
    may_manage = permissions.can(user, permissions.CHANGE_FOLLOWUP, item)
    is_volunteer = bool(user.person_id and item.volunteers.filter(person_id=user.person_id).exists())
    units = people = ()
    if may_manage and item.is_open:
        units, people = selectors.owner_choices(user=user, area_path=item.area.path)
    context = {
        "item": item,
        "children": children,
        "updates": selectors.updates_with_files(item, user=user),
        "may_report": item.is_open and not children and rules.may_report(user, item),
        "may_manage": may_manage and item.is_open,
        "may_volunteer": item.is_open
        and not is_volunteer
        and user.person_id is not None
        and permissions.can(user, permissions.ADD_VOLUNTEER, item),
        "is_volunteer": is_volunteer,
        "units": units,
        "people": people,
        "events": timeline_for(item),
        "report_form": forms.get("report_form") or ReportForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "volunteer_form": forms.get("volunteer_form") or VolunteerForm(),
        "create_form": forms.get("create_form"),
    }
    return render(request, "followups/detail.html", context, status=status)


@login_required
def detail(request, pk: int):
    """An item: owner, deadline, progress, target and actual, updates with evidence, forms, timeline."""
    return _detail(request, selectors.followup_get(user=request.user, pk=pk))


def _subject(content_type_id, object_id, *, user):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    if model is None or not hasattr(model, "scope_path"):
        raise Http404
    try:
        subject = model._default_manager.get(pk=object_id)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    if not permissions.can(user, permissions.VIEW_FOLLOWUP, subject):
        raise Http404
    return subject


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return default
    return target


@login_required
@require_POST
def create(request):
    """添加落实事项: under a subject (content type + id) or a parent item; the area is theirs."""
    data = request.POST
    subject = parent = None
    if data.get("parent"):
        if not data["parent"].isdigit():
            raise Http404
        parent = selectors.followup_get(user=request.user, pk=int(data["parent"]))
        area = parent.area
    elif data.get("content_type") and data.get("object_id"):
        if not data["content_type"].isdigit():
            raise Http404
        subject = _subject(int(data["content_type"]), data["object_id"], user=request.user)
        area = Area.objects.filter(path=subject.scope_path).first()
        if area is None:
            raise Http404
    else:
        raise Http404
    units, people = selectors.owner_choices(user=request.user, area_path=area.path)
    form = FollowUpForm(data, units=units, people=people)
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            item = services.followup_create(
                actor=request.user,
                area=area,
                title=cleaned["title"],
                subject=subject,
                parent=parent,
                owner_unit=cleaned["owner_unit"],
                owner_person=cleaned["owner_person"],
                deadline=cleaned["deadline"],
                working_days=cleaned["working_days"],
                measure=cleaned["measure"],
                target_value=cleaned["target_value"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx and subject is not None:
                return render(
                    request, "followups/panel.html", {"subject": subject, "next": _back(request, "/")}
                )
            messages.success(request, _("已添加落实事项。"))
            return HttpResponseRedirect(_back(request, item_url(item)))
    if parent is not None:
        return _detail(request, parent, status=400, create_form=form)
    if request.htmx:
        return render(
            request,
            "followups/panel.html",
            {"subject": subject, "followup_form": form, "next": _back(request, "/")},
            status=400,
        )
    context = {
        "form": form,
        "ct_id": data.get("content_type"),
        "object_id": data.get("object_id"),
        "units": units,
        "people": people,
        "next": _back(request, "/"),
    }
    return render(request, "followups/create.html", context, status=400)


def item_url(item: FollowUp) -> str:
    from django.urls import reverse

    return reverse("followups:detail", args=[item.pk])


@login_required
@require_POST
def report(request, pk: int):
    """报告进展: progress, actual figure, note, feedback and evidence files."""
    item = selectors.followup_get(user=request.user, pk=pk)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.followup_report(
                actor=request.user,
                followup=item,
                progress=cleaned["progress"],
                note=cleaned["note"],
                actual_value=cleaned["actual_value"],
                feedback=cleaned["feedback"],
                files=cleaned["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("进展已提交。"))
            return redirect("followups:detail", pk=item.pk)
    return _detail(request, item, status=400, report_form=form)


@login_required
@require_POST
def cancel(request, pk: int):
    """撤销事项, with a reason."""
    item = selectors.followup_get(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.followup_cancel(actor=request.user, followup=item, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("事项已撤销。"))
            return redirect("followups:detail", pk=item.pk)
    return _detail(request, item, status=400, cancel_form=form)


@login_required
@require_POST
def volunteer(request, pk: int):
    """报名当志愿者."""
    item = selectors.followup_get(user=request.user, pk=pk)
    form = VolunteerForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_signup(actor=request.user, followup=item, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("报名成功，感谢您的参与！"))
            return redirect("followups:detail", pk=item.pk)
    return _detail(request, item, status=400, volunteer_form=form)
