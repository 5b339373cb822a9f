"""Writes to the inbox: create notifications and mark them read.

Notifications are not records of the consultation processes: creating or reading one is not written to the
audit trail (the change of state that caused it is).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_q.tasks import async_task

from yishi.core import caching

from .models import Notification

EMAIL_TASK = "yishi.notifications.tasks.send_notification_email"
SMS_TASK = "yishi.notifications.tasks.send_notification_sms"


def unread_changed(user_ids) -> None:
    """The unread counts of these users changed (``selectors.unread_count`` reads them anew). Every write to
    notifications goes through this module and calls it: a count kept in the cache is only right if so.
    Counts are kept only in a shared cache (``caching.remembered(exact=True)``); elsewhere nothing to drop."""
    if settings.CACHE_IS_SHARED:
        caching.changed(Notification, scopes=user_ids)


def _queue(task: str, notification_id: int) -> None:
    transaction.on_commit(lambda: async_task(task, notification_id))


# Part of the caller's transaction when there is one, without a savepoint of its own (two round trips):
# notifications that fail to be written fail the change that sends them.
@transaction.atomic(savepoint=False)
def notify(
    *,
    recipients: Iterable,
    title: str,
    body: str = "",
    url: str = "",
    verb: str = "",
    email: bool = False,
    sms: bool = False,
) -> list[Notification]:
    """Put one notification in each recipient's inbox (duplicates and inactive users skipped).

    With ``email``, an e-mail copy is queued for recipients with an e-mail address; with ``sms``, an SMS copy
    for recipients whose person has a phone number. The copies are queued only after the transaction commits,
    so a rolled-back change never sends anything.
    """
    users, seen = [], set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    rows = Notification.objects.bulk_create(
        [Notification(recipient=u, verb=verb, title=title[:200], body=body, url=url) for u in users]
    )
    unread_changed(seen)
    if email or sms:
        phones = {}
        if sms:
            from yishi.accounts.models import Person

            person_ids = [u.person_id for u in users if u.person_id]
            phones = dict(
                Person.objects.filter(pk__in=person_ids).exclude(phone="").values_list("pk", "phone")
            )
        for user, row in zip(users, rows, strict=True):
            if email and user.email:
                _queue(EMAIL_TASK, row.pk)
            if sms and user.person_id in phones:
                _queue(SMS_TASK, row.pk)
    return rows


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read; another user's is reported missing (404)."""
    locked = (
        Notification.objects.select_for_update().filter(pk=notification.pk, recipient_id=actor.pk).first()
    )
    if locked is None:
        raise Http404
    if locked.read_at is None:
        locked.read_at = timezone.now()
        locked.save(update_fields=["read_at"])
        unread_changed([actor.pk])
    return locked


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    marked = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    unread_changed([actor.pk])
    return marked
