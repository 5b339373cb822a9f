"""Reads of cases: who sees which case, lists by keyset, similar open cases, deadlines due soon."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from yishi.accounts.models import Role
from yishi.areas.models import subtree_q
from yishi.core import permissions

from .models import Case, CaseStep
from .workflow import Status

AREA_READERS = frozenset(
    {
        Role.COMMUNITY_STAFF,
        Role.PARTY_SECRETARY,
        Role.STREET_STAFF,
        Role.ADMIN,
        Role.AUDITOR,
        Role.GRID_WORKER,
        Role.BUILDING_STEWARD,
        Role.DEPUTY,
    }
)


def case_visible_q(user) -> Q | None:
    """The cases ``user`` may see, as a Q (None means every case).

    - staff, grid workers, building stewards, auditors and deputies (who follow their constituency's cases):
      cases located in their area subtree;
    - department staff: cases assigned to or claimed by their unit, whistled to it, or in a claim pool it serves;
    - everyone: the cases they reported (and the cases those were merged into) or recorded.
    """
    if permissions.is_superadmin(user):
        return None
    condition = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return condition
    for g in permissions.active_grants(user):
        if g.role in AREA_READERS:
            condition |= subtree_q(g.area.path, "area_path")
        elif g.role == Role.DEPARTMENT_STAFF and g.unit_id:
            condition |= Q(handler_unit_id=g.unit_id) | Q(parts__unit_id=g.unit_id)
            condition |= Q(status=Status.IN_POOL) & subtree_q(g.unit.area.path, "area_path")
            condition |= Q(status=Status.IN_POOL) & Q(level_area__in=g.unit.area.ancestor_ids())
    condition |= Q(recorded_by_id=user.pk)
    if user.person_id:
        condition |= Q(reporter_id=user.person_id) | Q(merged_cases__reporter_id=user.person_id)
    return condition


def case_visible(user) -> QuerySet:
    condition = case_visible_q(user)
    qs = Case.objects.all()
    if condition is None:
        return qs
    # Joins to parts and merged cases can repeat a row; the subquery keeps the list query a plain range.
    return qs.filter(pk__in=Case.objects.filter(condition).values("pk"))


def case_get(*, user, number: str) -> Case:
    """One case by its number, or ``Case.DoesNotExist`` when missing or out of the user's scope."""
    return (
        case_visible(user)
        .select_related("category", "area", "level_area", "handler_unit", "reporter", "merged_into")
        .get(number=number)
    )


def case_list(
    *,
    user,
    status: str = "",
    open_only: bool = False,
    area=None,
    category=None,
    q: str = "",
    before: tuple[dt.datetime, int] | None = None,
    limit: int = 20,
) -> list[Case]:
    """A page of cases newest first, by keyset: pass the last row's (submitted_at, id) as ``before``."""
    qs = case_visible(user).select_related("category", "area", "handler_unit")
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(is_open=True)
    if area is not None:
        qs = qs.filter(subtree_q(area.path, "area_path"))
    if category is not None:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(number=q))
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(submitted_at__lt=at) | Q(submitted_at=at, id__lt=pk))
    return list(qs.order_by("-submitted_at", "-id")[:limit])


def similar_open_cases(
    *, user, area, category, text: str = "", latitude=None, longitude=None, exclude_pk=None, limit: int = 5
) -> list[Case]:
    """Open cases that may be the same problem: same category, and the same community or within 250 m when
    both have coordinates, ranked by shared characters of the text (Chinese has no spaces to split on).
    """
    from .services import ancestor_at

    community = ancestor_at(area, "community") or area
    qs = case_visible(user).filter(is_open=True, category=category).exclude(status=Status.MERGED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    near = subtree_q(community.path, "area_path")
    if latitude not in (None, "") and longitude not in (None, ""):
        lat, lon = float(latitude), float(longitude)
        # 250 m is about 0.00225° of latitude; longitude degrees shrink with cos(latitude) (~0.0028° here).
        near |= Q(
            latitude__range=(lat - 0.00225, lat + 0.00225), longitude__range=(lon - 0.0029, lon + 0.0029)
        )
    candidates = list(qs.filter(near).order_by("-submitted_at")[:50])
    if latitude not in (None, "") and longitude not in (None, ""):
        candidates = [c for c in candidates if c.latitude is None or _metres(c, lat, lon) <= 250]
    words = _bigrams(text)

    def score(case: Case) -> float:
        other = _bigrams(case.title + case.text)
        return len(words & other) / (len(words | other) or 1)

    return sorted(candidates, key=score, reverse=True)[:limit]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text or "" if not c.isspace()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def _metres(case: Case, lat: float, lon: float) -> float:
    import math

    dlat = math.radians(float(case.latitude) - lat)
    dlon = math.radians(float(case.longitude) - lon)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat)) * math.cos(math.radians(float(case.latitude))) * math.sin(dlon / 2) ** 2
    )
    return 6371000 * 2 * math.asin(math.sqrt(a))


def steps_due(*, user, within_hours: int = 24, overdue: bool = False, unit=None, now=None) -> QuerySet:
    """Open deadlines in ``user``'s scope: overdue ones, or those falling due within ``within_hours``."""
    now = now or timezone.now()
    qs = CaseStep.objects.filter(done_at__isnull=True, case__in=case_visible(user)).select_related(
        "case", "case__category", "unit"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if overdue:
        return qs.filter(due_at__lt=now).order_by("due_at")
    return qs.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=within_hours)).order_by("due_at")
