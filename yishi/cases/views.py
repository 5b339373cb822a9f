"""Pages of the case process. Thin: parse, call one service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .models import Case
from .selectors import case_get


@login_required
def detail(request, number: str):
    try:
        case = case_get(user=request.user, number=number)
    except Case.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "cases/detail.html", {"case": case})
