"""Reads of the inbox. Every read is limited to the user's own notifications."""

from __future__ import annotations

from django.db.models import F, QuerySet

from yishi.core import caching

from .models import Notification


def unread_count(*, user) -> int:
    """Unread notifications of ``user``, shown on every page: one COUNT on the (recipient, read_at) index,
    kept in a shared cache (Redis) until the services give or read one of the user's notifications
    (``services.unread_changed``)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return caching.remembered(
        "unread",
        [user.pk],
        [(Notification, user.pk)],
        lambda: Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count(),
        exact=True,
    )


def inbox(*, user) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each group."""
    return Notification.objects.filter(recipient_id=user.pk).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def notification_get(*, user, pk) -> Notification:
    """One of the user's own notifications; another user's is ``Notification.DoesNotExist`` (a 404)."""
    return Notification.objects.get(recipient_id=user.pk, pk=pk)
