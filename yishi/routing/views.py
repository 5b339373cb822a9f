"""Pages of smart routing: the one-click category correction from the case page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.cases import selectors as case_selectors
from yishi.cases import services as case_services
from yishi.cases.models import Case
from yishi.core.forms import add_service_errors

from .forms import RecategorizeForm

app_name = "routing"


@login_required
@require_POST
def recategorize(request, number: str):
    """改类别 / 确认类别: a dispatcher confirms or corrects the case's category (one click on the case page)."""
    try:
        case = case_selectors.case_get(user=request.user, number=number)
    except Case.DoesNotExist as exc:
        raise Http404 from exc
    form = RecategorizeForm(request.POST)
    if form.is_valid():
        try:
            case_services.case_recategorize(
                actor=request.user,
                case=case,
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("类别已设为“%(name)s”。") % {"name": form.cleaned_data["category"].name}
            )
            return redirect("cases:detail", number=case.number)
    return render(request, "routing/recategorize.html", {"case": case, "form": form}, status=400)


urlpatterns = [path("cases/<str:number>/category/", recategorize, name="recategorize")]
