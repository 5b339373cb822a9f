"""Case pages for those who handle cases: lists, the case page with its actions, deadlines, supervision."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from ..models import Case
from ..selectors import case_get


@login_required
def detail(request, number: str):
    try:
        case = case_get(user=request.user, number=number)
    except Case.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "cases/detail.html", {"case": case})


urlpatterns = [
    path("<str:number>/", detail, name="detail"),
]
