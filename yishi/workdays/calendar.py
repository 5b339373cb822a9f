"""工作日历: working days on the Chinese calendar, with public holidays and make-up workdays (调休).

Backed by ``chinese_calendar``, which knows the State Council's holiday arrangements year by year, and by
``CalendarDay`` rows that admins enter (they win over the library). The library learns next year's
arrangement only once it is published, late in the year: for a year after the last one it knows, days without
a ``CalendarDay`` row count Monday to Friday as working days (a logged warning says the calendar needs the new
year), so deadlines keep working across New Year. A date before the first known year raises
``CalendarRangeError``. All datetimes are handled in local time (``settings.TIME_ZONE``, Asia/Shanghai): a
working day is a local calendar day.

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


_warned_years: set[int] = set()


def _warn_unknown_year(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        import logging

        logging.getLogger("yishi.workdays").warning(
            "no holiday arrangement known for %s: counting Monday to Friday; add the year's 节假日与调休 in the admin",
            year,
        )


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


OVERRIDES_CACHE_KEY = "yishi:workdays:overrides"


def _overrides() -> dict[dt.date, bool]:
    """The admins' ``CalendarDay`` rows as {date: is working day}, kept in the cache until a row changes."""
    from django.core.cache import cache

    found = cache.get(OVERRIDES_CACHE_KEY)
    if found is None:
        from .models import CalendarDay

        found = dict(CalendarDay.objects.values_list("date", "is_working_day"))
        cache.set(OVERRIDES_CACHE_KEY, found, timeout=3600)
    return found


def forget_overrides() -> None:
    from django.core.cache import cache

    cache.delete(OVERRIDES_CACHE_KEY)


def is_working_day(value: dt.date | dt.datetime) -> bool:
    """Whether the (local) day of ``value`` is a working day: an admin's ``CalendarDay`` if there is one, else
    the library's Mon–Fri except holidays plus make-up days, else (a year after the library's last) Mon–Fri."""
    day = _local_date(value)
    overrides = _overrides()
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        first, last = calendar_range()
        if day > last:
            _warn_unknown_year(day.year)
            return day.weekday() < 5
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
        try:
            day += ONE_DAY
        except OverflowError:  # past 9999-12-31: far outside the calendar the library knows
            raise CalendarRangeError(gettext("日期超出工作日历的范围。")) from None
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
