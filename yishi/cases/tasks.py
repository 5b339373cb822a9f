"""Jobs of the case process, run by django-q every 10 minutes (schedules in ``yishi.core.jobs``).

Each job is a thin wrapper over a service and is idempotent: a step is supervised once (``supervised_at``),
reminded once (``reminded_at``), and a case is closed once, so a job run twice, retried or run by two
workers notifies once. ``now`` may be passed (an aware datetime or ISO string) to run the job for a given
moment; by default it is the current time.
"""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime

from . import services


def _when(now: dt.datetime | str | None) -> dt.datetime | None:
    if isinstance(now, str):
        return parse_datetime(now)
    return now


def supervise_overdue_steps(now: dt.datetime | str | None = None) -> int:
    """督办: flag overdue steps and notify their supervisors, once per step."""
    return services.supervise_overdue_steps(now=_when(now))


def close_unrated_cases(now: dt.datetime | str | None = None) -> int:
    """Close the replied cases whose rating window ran out unrated."""
    return services.close_unrated_cases(now=_when(now))


def notify_due_soon(now: dt.datetime | str | None = None) -> int:
    """临期提醒: notify the handlers of steps entering their near-due window, once per step."""
    return services.remind_due_soon_steps(now=_when(now))
