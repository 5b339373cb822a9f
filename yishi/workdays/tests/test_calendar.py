"""The working-day calendar across the 2026 Spring Festival and National Day week (values worked out by hand).

2026 Spring Festival: holiday Sun 02-15 … Mon 02-23; make-up workdays Sat 02-14 and Sat 02-28.
2026 National Day: holiday Thu 10-01 … Wed 10-07; make-up workdays Sun 09-20 and Sat 10-10.
Working hours: 09:00–12:00 and 13:30–17:30 (7 hours a day).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yishi.workdays.calendar import (
    CalendarRangeError,
    add_working_days,
    add_working_hours,
    calendar_range,
    is_working_day,
    working_days_between,
)

# Admins' CalendarDay rows are read (and cached) from the database.
pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
D = dt.date.fromisoformat


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-02-13", True),  # Fri before the festival
        ("2026-02-14", True),  # Sat make-up workday
        ("2026-02-15", False),  # Sun, holiday starts
        ("2026-02-17", False),  # Tue, holiday
        ("2026-02-23", False),  # Mon, last holiday
        ("2026-02-24", True),
        ("2026-02-28", True),  # Sat make-up workday
        ("2026-03-01", False),  # plain Sunday
        ("2026-09-19", False),  # plain Saturday
        ("2026-09-20", True),  # Sun make-up workday
        ("2026-10-01", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Sat make-up workday
        ("2026-10-11", False),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    "start, n, expected",
    [
        ("2026-02-13", 0, "2026-02-13"),
        ("2026-02-13", 1, "2026-02-14"),  # the make-up Saturday counts
        ("2026-02-13", 2, "2026-02-24"),  # the whole festival is skipped
        ("2026-02-12", 5, "2026-02-26"),  # 13, 14, 24, 25, 26
        ("2026-02-15", 5, "2026-02-28"),  # started on a holiday: 24, 25, 26, 27, 28 (Sat make-up)
        ("2026-02-15", 6, "2026-03-02"),  # Sun 03-01 is off
        ("2026-09-18", 1, "2026-09-20"),  # Sat off, Sun make-up
        ("2026-09-19", 2, "2026-09-21"),
        ("2026-09-30", 1, "2026-10-08"),  # the National Day week is skipped
        ("2026-09-30", 3, "2026-10-10"),  # 8, 9, 10 (Sat make-up)
        ("2026-09-30", 4, "2026-10-12"),  # Sun 10-11 is off
    ],
)
def test_add_working_days_dates(start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_add_working_days_keeps_local_time_of_day():
    assert add_working_days(at("2026-09-30 16:00"), 1) == at("2026-10-08 16:00")


def test_add_working_days_counts_local_days_not_utc_days():
    # 20:00 UTC on 09-30 is 04:00 on 10-01 in Shanghai, a holiday: the next working day is still 10-08.
    start = dt.datetime(2026, 9, 30, 20, 0, tzinfo=dt.UTC)
    result = add_working_days(start, 1)
    assert result == at("2026-10-08 04:00")


def test_add_working_days_rejects_negative_and_naive():
    with pytest.raises(ValueError):
        add_working_days(D("2026-02-13"), -1)
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 2, 13, 9), 1)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("2026-02-13", "2026-02-13", 0),
        ("2026-02-13", "2026-02-24", 2),  # 14, 24
        ("2026-02-13", "2026-03-02", 7),  # 14, 24, 25, 26, 27, 28, 03-02
        ("2026-03-02", "2026-02-13", -7),
        ("2026-09-30", "2026-10-12", 4),  # 8, 9, 10, 12
        ("2026-09-18", "2026-09-21", 2),  # 20, 21
    ],
)
def test_working_days_between(a, b, expected):
    assert working_days_between(D(a), D(b)) == expected


def test_between_is_inverse_of_add():
    for n in range(0, 12):
        assert working_days_between(D("2026-02-10"), add_working_days(D("2026-02-10"), n)) == n


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        ("2026-02-13 16:00", 4, "2026-02-14 11:30"),  # 1.5 h Fri, 2.5 h on the make-up Saturday
        ("2026-02-14 16:00", 3, "2026-02-24 10:30"),  # 1.5 h Sat, then the festival, 1.5 h on 02-24
        ("2026-09-30 11:00", 8, "2026-10-08 12:00"),  # 1 h + 4 h on 09-30, 3 h ends exactly at noon on 10-08
        ("2026-10-08 12:30", 1, "2026-10-08 14:30"),  # lunch break does not count
        ("2026-10-01 10:00", 1, "2026-10-08 10:00"),  # started on a holiday
        ("2026-10-09 20:00", 7, "2026-10-10 17:30"),  # a full day on the make-up Saturday
        ("2026-10-09 08:00", 0.5, "2026-10-09 09:30"),  # before opening time
        ("2026-10-09 10:00", 0, "2026-10-09 10:00"),
    ],
)
def test_add_working_hours(start, hours, expected):
    assert add_working_hours(at(start), hours) == at(expected)


def test_add_working_hours_needs_aware_datetime():
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 10, 9, 10), 1)


def test_dates_before_the_calendar_raise_a_clear_error():
    with pytest.raises(CalendarRangeError, match="1999-01-04"):
        is_working_day(D("1999-01-04"))


def test_a_year_the_library_does_not_know_counts_weekdays_and_admin_days_win():
    """Deadlines keep working across New Year before the next year's arrangement is published."""
    from yishi.workdays.models import CalendarDay

    last = calendar_range()[1]
    first_unknown = last + dt.timedelta(days=1)
    assert first_unknown.year == last.year + 1
    monday = first_unknown + dt.timedelta(days=(7 - first_unknown.weekday()) % 7)
    assert is_working_day(monday) and not is_working_day(monday + dt.timedelta(days=5))
    # The admin enters the published arrangement: that Monday becomes a holiday, the Saturday a make-up day.
    CalendarDay.objects.create(date=monday, is_working_day=False, name="元旦")
    CalendarDay.objects.create(date=monday + dt.timedelta(days=5), is_working_day=True, name="元旦调休上班")
    assert not is_working_day(monday) and is_working_day(monday + dt.timedelta(days=5))
    # Counting runs across the boundary instead of failing.
    assert add_working_days(last - dt.timedelta(days=2), 10) > last
