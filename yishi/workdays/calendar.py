"""工作日历: working days on the Chinese calendar, with public holidays and make-up workdays (调休).

Backed by ``chinese_calendar``, which knows the State Council's holiday arrangements year by year; a date
outside the years it knows raises ``CalendarRangeError`` rather than guessing. All datetimes are handled in
local time (``settings.TIME_ZONE``, Asia/Shanghai): a working day is a local calendar day.

Counting rules, used by every deadline in yishi:
- ``add_working_days(start, n)`` steps forward day by day and stops on the n-th working day after
  ``start``; ``start`` itself is never counted, so a case raised on a holiday has the same deadline as one
  raised on the evening before. ``n == 0`` returns ``start`` unchanged. A datetime keeps its time of day.
- ``working_days_between(a, b)`` counts the working days ``d`` with ``a < d <= b`` (negative when
  ``b < a``), so that ``working_days_between(a, add_working_days(a, n)) == n``.
- ``add_working_hours(start, hours)`` counts only time inside the working periods
  (``settings.YISHI_WORKING_HOURS``) of working days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

ONE_DAY = dt.timedelta(days=1)


class CalendarRangeError(ValueError):
    """The date lies outside the years whose holiday arrangements the calendar knows."""


def calendar_range() -> tuple[dt.date, dt.date]:
    """First and last dates the calendar can answer for (whole years)."""
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValueError("naive datetime: pass an aware datetime or a date")
        return timezone.localtime(value).date()
    return value


def is_working_day(value: dt.date | dt.datetime) -> bool:
    """Whether the (local) day of ``value`` is a working day: Mon–Fri except holidays, plus make-up days."""
    day = _local_date(value)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        first, last = calendar_range()
        raise CalendarRangeError(
            gettext("工作日历只包含 %(first)s 至 %(last)s 的节假日安排，无法计算 %(day)s。")
            % {"first": first.isoformat(), "last": last.isoformat(), "day": day.isoformat()}
        ) from exc


def add_working_days(start: dt.date | dt.datetime, n: int) -> dt.date | dt.datetime:
    """The n-th working day after ``start`` (``start`` not counted); a datetime keeps its local time of day."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return start
    day = _local_date(start)
    left = n
    while left:
        day += ONE_DAY
        if is_working_day(day):
            left -= 1
    if isinstance(start, dt.datetime):
        local = timezone.localtime(start)
        naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
        return timezone.make_aware(naive, timezone.get_current_timezone())
    return day


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Working days ``d`` with ``a < d <= b`` (local days); negative when ``b`` is before ``a``."""
    start, end = _local_date(a), _local_date(b)
    if end < start:
        return -working_days_between(b, a)
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def _periods(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working periods of ``day`` as aware local datetimes (empty on a day off)."""
    if not is_working_day(day):
        return []
    tz = timezone.get_current_timezone()
    result = []
    for (h1, m1), (h2, m2) in settings.YISHI_WORKING_HOURS:
        begin = timezone.make_aware(dt.datetime.combine(day, dt.time(h1, m1)), tz)
        end = timezone.make_aware(dt.datetime.combine(day, dt.time(h2, m2)), tz)
        result.append((begin, end))
    return result


def add_working_hours(start: dt.datetime, hours: float | int | Decimal) -> dt.datetime:
    """``start`` plus ``hours`` of working time, counted only inside the working periods of working days.

    Time before, between or after the periods does not count; when the last hour ends exactly at the end of a
    period the result is that end (12:00, not 13:30).
    """
    if not isinstance(start, dt.datetime) or timezone.is_naive(start):
        raise ValueError("start must be an aware datetime")
    if hours < 0:
        raise ValueError("hours must be >= 0")
    left = dt.timedelta(hours=float(hours))
    current = timezone.localtime(start)
    if not left:
        return current
    day = current.date()
    while True:
        for begin, end in _periods(day):
            if current >= end:
                continue
            current = max(current, begin)
            available = end - current
            if left <= available:
                return current + left
            left -= available
            current = end
        day += ONE_DAY
