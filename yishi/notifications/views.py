"""收件箱 pages: the inbox, mark one read, mark all read (htmx-aware)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notification

PAGE_SIZE = 50


def _render_list(request, status=200):
    page = Paginator(selectors.inbox(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_count(user=request.user)}
    template = "notifications/_inbox_list.html" if request.htmx else "notifications/inbox.html"
    return render(request, template, context, status=status)


@login_required
def inbox(request):
    """收件箱: the user's own notifications, unread first."""
    return _render_list(request)


@login_required
@require_POST
def mark_read(request, pk: int):
    """Mark one notification read; someone else's is a 404."""
    try:
        notification = selectors.notification_get(user=request.user, pk=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:
        return _render_list(request)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    """Mark all of the user's notifications read."""
    services.notifications_mark_all_read(actor=request.user)
    if request.htmx:
        return _render_list(request)
    return redirect("notifications:inbox")
