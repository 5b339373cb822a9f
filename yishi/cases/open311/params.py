"""Parsing of Open311 parameters. Every bad value raises ``Open311Error(400, …)`` with an English description,
so no client input can reach a 500.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .render import Open311Error

MAX_LIST_ITEMS = 1000


def text(params, name: str, *, max_length: int) -> str:
    value = (params.get(name) or "").strip()
    if len(value) > max_length:
        raise Open311Error(400, f"{name} is too long (at most {max_length} characters).")
    return value


def comma_list(params, name: str) -> list[str]:
    items = [item.strip() for item in (params.get(name) or "").split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise Open311Error(400, f"{name} lists more than {MAX_LIST_ITEMS} values.")
    return items


def w3_datetime(params, name: str) -> dt.datetime | None:
    """A W3C datetime (``2026-01-02T03:04:05Z``, ``…+08:00``) or a date; naive values are local time."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = dt.datetime.combine(day, dt.time.min)
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise Open311Error(400, f"{name} is not a W3C datetime such as 2026-01-31T08:00:00+08:00.")
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (ValueError, OverflowError) as exc:
            raise Open311Error(400, f"{name} is out of range.") from exc
    return value


def _number(raw: str, name: str, low: int, high: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, ValueError) as exc:
        raise Open311Error(400, f"{name} must be a number in WGS84 degrees.") from exc
    if not value.is_finite() or not low <= value <= high:
        raise Open311Error(400, f"{name} must be between {low} and {high}.")
    return value


def coordinates(params) -> tuple[Decimal, Decimal] | None:
    """``lat`` and ``long`` together, or None when neither is sent; one without the other is an error."""
    lat, lon = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise Open311Error(400, "lat and long must be sent together.")
    return _number(lat, "lat", -90, 90), _number(lon, "long", -180, 180)


def positive_int(params, name: str, *, default: int, maximum: int | None = None) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise Open311Error(400, f"{name} must be a whole number of at least 1.")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise Open311Error(400, f"{name} must be at most {maximum}.")
    return value


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 6371000 * 2 * math.asin(min(1.0, math.sqrt(a)))
