"""Reads of the audit trail: the timeline of one record and the scoped, filtered list of events."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yishi.core.permissions import VIEW_AUDIT, scoped

from .models import AuditEvent

PAGE_SIZE = 50


def timeline_for(obj, *, limit: int = 50) -> list[AuditEvent]:
    """The latest ``limit`` events recorded on ``obj``, oldest first, for the record's timeline.

    No scope check here: the caller has already shown ``obj`` to the user, so its history comes with it.
    """
    events = list(AuditEvent.objects.for_object(obj).order_by("-seq")[:limit])
    events.reverse()
    return events


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(
    *,
    user,
    verb: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[AuditEvent], int | None]:
    """Events in ``user``'s audit scope, newest first, one page of ``limit`` (keyset on ``seq``).

    ``before`` is the ``seq`` the previous page ended at; the dates are local calendar days, both
    included. Returns the page and the ``before`` of the next page (None on the last page).
    """
    qs = scoped(AuditEvent.objects.all(), user, VIEW_AUDIT, field="area_path")
    if verb:
        qs = qs.filter(verb=verb)
    if date_from:
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    if before is not None:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.order_by("-seq")[: limit + 1])
    next_before = rows[limit - 1].seq if len(rows) > limit else None
    return rows[:limit], next_before
