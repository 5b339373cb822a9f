"""Reads of the area tree and the units, always scoped to what the user may see (out of scope = missing)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yishi.core import caching, permissions

from .models import Area, Unit, subtree_q


def area_list(
    *, user, level: str = "", q: str = "", parent: int | None = None, within: int | None = None
) -> QuerySet:
    """Areas ``user`` may see, in tree order; optionally one level, a name search, children or a subtree."""
    qs = permissions.scoped(Area.objects.all(), user, permissions.VIEW_AREA, field="path")
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if within is not None:
        top = area_get(user=user, pk=within)
        qs = qs.filter(subtree_q(top.path, "path"))
    return qs.order_by("path")


def area_get(*, user, pk, perm: str = permissions.VIEW_AREA) -> Area:
    """One area the user holds ``perm`` on; Http404 when missing or out of scope."""
    try:
        return permissions.scoped(Area.objects.all(), user, perm, field="path").get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def area_breadcrumbs(*, user, area: Area) -> list[Area]:
    """The ancestors of ``area`` that the user may see, from the top down (the area itself excluded)."""
    ids = area.ancestor_ids()[:-1]
    if not ids:
        return []
    qs = permissions.scoped(Area.objects.filter(pk__in=ids), user, permissions.VIEW_AREA, field="path")
    return list(qs.order_by("depth"))


def area_children(*, user, area: Area) -> QuerySet:
    return permissions.scoped(area.children.all(), user, permissions.VIEW_AREA, field="path").order_by("path")


def area_people_count(*, area: Area) -> int:
    """How many people live or work in the area's subtree (a number, no personal data)."""
    from yishi.accounts.models import Person

    return Person.objects.filter(subtree_q(area.path, "home_area__path")).count()


def unit_list(
    *, user, kind: str = "", q: str = "", area: int | None = None, within: int | None = None
) -> QuerySet:
    """Units ``user`` may see, with their area, ordered by the area's place in the tree."""
    qs = permissions.scoped(
        Unit.objects.select_related("area"), user, permissions.VIEW_UNIT, field="area__path"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    if area is not None:
        qs = qs.filter(area_id=area)
    if within is not None:
        top = area_get(user=user, pk=within)
        qs = qs.filter(subtree_q(top.path, "area__path"))
    return qs.order_by("area__path", "name")


def unit_get(*, user, pk, perm: str = permissions.VIEW_UNIT) -> Unit:
    """One unit the user holds ``perm`` on; Http404 when missing or out of scope."""
    try:
        return permissions.scoped(Unit.objects.select_related("area"), user, perm, field="area__path").get(
            pk=pk
        )
    except (Unit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def area_line(area: Area) -> list[Area]:
    """The area's ancestors and the area itself, from the root down, from the cache (dropped by any change
    to an area): an intake reads its community and district off them on every case. Not scoped to a user:
    for services that hold an area already allowed."""
    return caching.remembered("area-line", [area.pk, area.path], [Area], lambda: list(area.ancestors()))
