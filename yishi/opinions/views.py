"""意见 pages: give an opinion online, type in a paper one, record research — each answers with the panel
(htmx) or a redirect back to the subject's page; bad input re-renders the panel with status 400."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yishi.core import permissions
from yishi.core.forms import add_service_errors

from . import selectors, services
from .forms import OnlineOpinionForm, PaperOpinionForm, ResearchForm
from .models import OpinionChannel


def load_subject(content_type_id, object_id, *, user):
    """The record an opinion form names, if ``user`` may read opinions on it; anything else is a 404."""
    try:
        ct = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    model = ct.model_class()
    if model is None or not hasattr(model, "scope_path"):
        raise Http404
    try:
        subject = model._default_manager.get(pk=object_id)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    if not permissions.can(user, permissions.VIEW_OPINION, subject):
        raise Http404
    return subject


def _next(request, subject) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = getattr(subject, "get_absolute_url", lambda: "/")()
    return target


def _answer(request, subject, *, form=None, form_name="", form_opinion=None, status=200):
    """The panel (htmx, or any error) or a redirect back to the subject's page."""
    context = {
        "subject": subject,
        "form": form,
        "form_name": form_name,
        "form_opinion": form_opinion,
        "next": _next(request, subject),
    }
    if request.htmx:
        return render(request, "opinions/panel.html", context, status=status)
    if status != 200:
        return render(request, "opinions/page.html", context, status=status)
    return HttpResponseRedirect(context["next"])


def _subject_from(request, form):
    if "content_type" in form.errors or "object_id" in form.errors:
        raise Http404
    return load_subject(form.cleaned_data["content_type"], form.cleaned_data["object_id"], user=request.user)


@login_required
@require_POST
def submit(request):
    """网上提意见: a signed-in person's opinion (or their unit's) on a subject in their area."""
    form = OnlineOpinionForm(request.POST)
    valid = form.is_valid()
    subject = _subject_from(request, form)
    if valid:
        data = form.cleaned_data
        try:
            services.opinion_submit(
                actor=request.user,
                subject=subject,
                text=data["text"],
                channel=OpinionChannel.ONLINE,
                author_unit=data["author_unit"],
                shows_party_identity=data["shows_party_identity"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _answer(request, subject)
    return _answer(request, subject, form=form, form_name="online", status=400)


@login_required
@require_POST
def paper(request):
    """录入纸质意见: staff type in an opinion from the paper box, with the name written on it."""
    form = PaperOpinionForm(request.POST)
    valid = form.is_valid()
    subject = _subject_from(request, form)
    if valid:
        try:
            services.opinion_submit(
                actor=request.user,
                subject=subject,
                text=form.cleaned_data["text"],
                channel=OpinionChannel.PAPER_BOX,
                author_name=form.cleaned_data["author_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _answer(request, subject)
    return _answer(request, subject, form=form, form_name="paper", status=400)


@login_required
@require_POST
def research(request, pk: int):
    """记录调研: the researcher, method, finding and conclusion with its reason, once per opinion."""
    opinion = selectors.opinion_get(user=request.user, pk=pk)
    subject = opinion.subject
    if subject is None:
        raise Http404
    form = ResearchForm(request.POST, researchers=selectors.researchers_for(opinion.area_path))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.research_record(
                actor=request.user,
                opinion=opinion,
                researcher=data["researcher"],
                method=data["method"],
                finding=data["finding"],
                conclusion=data["conclusion"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _answer(request, subject)
    return _answer(request, subject, form=form, form_name="research", form_opinion=opinion.pk, status=400)
