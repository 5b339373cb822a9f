"""Jobs of 落实跟踪, run by django-q every 10 minutes (schedule in ``yishi.core.jobs``).

Thin wrappers over services; idempotent (an item is supervised once, ``supervised_at``).
"""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime

from . import services


def supervise_overdue_followups(now: dt.datetime | str | None = None) -> int:
    """督办: flag overdue follow-up items and notify their supervisors, once per item."""
    return services.supervise_overdue_followups(now=parse_datetime(now) if isinstance(now, str) else now)
