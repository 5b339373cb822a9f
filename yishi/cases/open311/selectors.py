"""Reads for Open311: services (active categories), keys, the area of a location, and public requests.

Requests are public data by design of GeoReport v2: every case is listed, but serialised without reporter
contacts and with masked text (see ``serializers``). No user scope applies here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, Prefetch, QuerySet, Value

from yishi.areas.models import Area, Level
from yishi.audit.models import AuditEvent

from ..models import Case, CaseStep, Category, Open311Key, Step
from .params import metres_between
from .render import Open311Error

LOCAL_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING)
# A point farther than this from every area with coordinates is outside the places yishi serves.
MAX_DISTANCE_M = 10_000
SUBMIT_VERB = "case.open311"


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def key_for(raw_key: str) -> Open311Key | None:
    """The active key whose hash matches ``raw_key``, or None."""
    if not raw_key or len(raw_key) > 200:
        return None
    return Open311Key.objects.filter(key_hash=key_hash(raw_key), is_active=True).first()


def service_list() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("parent").order_by("order", "key"))


def service_get(code: str) -> Category:
    """The active category with ``key`` = ``code``; 404 when unknown or inactive."""
    category = Category.objects.filter(is_active=True, key=code[:40]).select_related("parent").first()
    if category is None:
        raise Open311Error(404, f"service_code {code[:40]!r} not found.")
    return category


def check_service_codes(codes: list[str]) -> None:
    """404 naming the first code that is not an active service."""
    if not codes:
        return
    known = set(Category.objects.filter(is_active=True, key__in=codes).values_list("key", flat=True))
    unknown = next((code for code in codes if code not in known), None)
    if unknown is not None:
        raise Open311Error(404, f"service_code {unknown[:40]!r} not found.")


# ---------------------------------------------------------------- locations


def area_by_id(address_id: str) -> Area:
    """An active area at community level or below, by its division ``code`` or its id."""
    value = address_id.strip()
    qs = Area.objects.filter(is_active=True, level__in=LOCAL_LEVELS)
    area = qs.filter(code=value).first() if value else None
    if area is None and value.isdigit() and len(value) <= 18:
        area = qs.filter(pk=int(value)).first()
    if area is None:
        raise Open311Error(
            400, f"address_id {value[:40]!r} is not a community, grid or building served here."
        )
    return area


def area_nearest(lat, lon) -> Area:
    """The active community, grid or building with coordinates nearest to (lat, lon), within 10 km."""
    lat_f, lon_f = float(lat), float(lon)
    qs = Area.objects.filter(
        is_active=True, level__in=LOCAL_LEVELS, latitude__isnull=False, longitude__isnull=False
    )
    dlat = MAX_DISTANCE_M / 111_000
    dlon = dlat / max(math.cos(math.radians(lat_f)), 0.01)
    rows = qs.filter(
        latitude__range=(lat_f - dlat, lat_f + dlat), longitude__range=(lon_f - dlon, lon_f + dlon)
    ).values_list("pk", "latitude", "longitude", "depth")
    best = None
    for pk, a_lat, a_lon, depth in rows:
        distance = metres_between(lat_f, lon_f, float(a_lat), float(a_lon))
        if distance <= MAX_DISTANCE_M and (best is None or (distance, -depth) < best[:2]):
            best = (distance, -depth, pk)
    if best is None:
        if not qs.exists():
            raise Open311Error(
                400, "No area served here has coordinates yet: send address_id or address_string instead."
            )
        raise Open311Error(400, "lat/long is more than 10 km from every area served here.")
    return Area.objects.get(pk=best[2])


def area_by_address(address: str) -> Area:
    """The community, grid or building named in ``address``: the match with most of its ancestors also
    named (裕西社区 + 古城巷5号楼 beats another 古城巷5号楼), then the longest name. Two different areas equal
    on both are ambiguous: a 400 asking for the community's name, lat/long or address_id.
    """
    named = list(
        Area.objects.filter(is_active=True)
        .alias(given=Value(address, output_field=CharField()))
        .filter(given__contains=F("name"))
        .values_list("pk", "path", "level", "depth", "name")[:500]
    )
    ids = {row[0] for row in named}
    ranked = sorted(
        (
            (sum(1 for seg in path.split(".") if seg and int(seg) in ids), len(name), depth, pk)
            for pk, path, level, depth, name in named
            if level in LOCAL_LEVELS
        ),
        reverse=True,
    )
    if not ranked:
        raise Open311Error(
            400,
            "address_string names no community, grid or building served here: send lat/long or address_id.",
        )
    if len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]:
        raise Open311Error(
            400,
            "address_string matches several areas: name the community too, or send lat/long or address_id.",
        )
    return Area.objects.get(pk=ranked[0][3])


# ---------------------------------------------------------------- requests


def _requests_qs() -> QuerySet:
    """Cases with what a request shows. Three joins, the other relations read after the page: with all six
    joined (the merged case's whole row among them) PostgreSQL spent 10 ms of a 13 ms query planning the
    join order at 5 M cases; each relation read by its ids costs a fraction of a millisecond, and none
    when no case of the page has one (a merged case is rare)."""
    open_resolve = CaseStep.objects.filter(step=Step.RESOLVE, done_at__isnull=True).order_by("-round")
    return (
        Case.objects.select_related("category", "area", "reporter")
        .defer("search_tokens")
        .prefetch_related(
            "level_area",
            "handler_unit",
            Prefetch("merged_into", queryset=Case.objects.only("id", "number")),
            Prefetch("steps", queryset=open_resolve, to_attr="open_resolve_steps"),
        )
    )


def request_list(
    *,
    numbers: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: list[str] | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[Case]:
    """Cases newest first. ``numbers`` overrides every other filter, as the spec says of service_request_id."""
    qs = _requests_qs()
    if numbers:
        qs = qs.filter(number__in=numbers)
    else:
        if service_codes:
            qs = qs.filter(category__key__in=service_codes)
        if start is not None:
            qs = qs.filter(submitted_at__gte=start)
        if end is not None:
            qs = qs.filter(submitted_at__lte=end)
        if statuses and len(set(statuses)) == 1:
            qs = qs.filter(is_open=statuses[0] == "open")
    return list(qs.order_by("-submitted_at", "-id")[offset : offset + limit])


def request_get(number: str) -> Case:
    case = _requests_qs().filter(number=number[:32]).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {number[:32]!r} not found.")
    return case


def events_for(cases: list[Case], verbs) -> dict[int, list[AuditEvent]]:
    """The audit events with ``verbs`` of ``cases``, oldest first, by case id — one query for the page."""
    if not cases:
        return {}
    content_type = ContentType.objects.get_for_model(Case)
    events: dict[int, list[AuditEvent]] = {case.pk: [] for case in cases}
    rows = AuditEvent.objects.filter(
        content_type=content_type, object_id__in=[str(case.pk) for case in cases], verb__in=list(verbs)
    ).order_by("seq")
    for event in rows:
        events[int(event.object_id)].append(event)
    return events
