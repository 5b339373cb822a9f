"""Pages of the audit trail."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from yishi.core import permissions

from . import selectors
from .forms import AuditFilterForm


@login_required
def audit_list(request):
    """审计记录: the events in the user's audit scope, filtered by verb and dates, newest first."""
    if not permissions.can(request.user, permissions.VIEW_AUDIT):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    events, next_before, status = [], None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        events, next_before = selectors.audit_event_list(
            user=request.user,
            verb=data.get("verb") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            before=data.get("before"),
            limit=selectors.PAGE_SIZE,
        )
    next_query = None
    if next_before is not None:
        query = request.GET.copy()
        query["before"] = next_before
        next_query = query.urlencode()
    context = {"form": form, "events": events, "next_query": next_query}
    return render(request, "audit/list.html", context, status=status)
