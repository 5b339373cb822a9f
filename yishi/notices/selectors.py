"""Reads of the notice board: the public boards and notices, and the staff's scoped list."""

from __future__ import annotations

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from yishi.areas.models import Area, Unit, UnitKind, subtree_q
from yishi.core import permissions

from .models import Notice

BOARD_PREVIEW = 3
# Units that take residents' matters at the counter, nearest kind first.
OFFICE_KINDS = [UnitKind.RESIDENTS_COMMITTEE, UnitKind.STREET_OFFICE]


def public_notices(*, area: Area | None = None):
    """Notices everyone may read, newest first; with ``area``, those on that area and its subtree."""
    qs = Notice.objects.public().select_related("area")
    if area is not None:
        qs = qs.filter(subtree_q(area.path, "area__path"))
    return qs.order_by("-published_at", "-pk")


def public_notice_list(*, limit=10) -> list[Notice]:
    """The latest public notices across all boards (the portal's "最新公示")."""
    return list(public_notices()[:limit])


def public_notice_get(*, pk) -> Notice:
    """One public notice; a withdrawn, expired or missing one is a 404 alike."""
    return get_object_or_404(public_notices(), pk=pk)


def boards_with_notices(*, preview=BOARD_PREVIEW) -> list[Area]:
    """Areas whose own board has public notices, grouped by parent, with ``notice_count``, ``latest``, ``group``.

    Two queries whatever the number of boards: the areas with their counts, then the newest ``preview``
    notices per area picked by a window function.
    """
    today = timezone.localdate()
    live = Q(notices__status="published") & (
        Q(notices__expires_on__isnull=True) | Q(notices__expires_on__gte=today)
    )
    boards = list(
        Area.objects.filter(is_active=True)
        .annotate(notice_count=Count("notices", filter=live))
        .filter(notice_count__gt=0)
        .select_related("parent")
        .order_by("path")
    )
    if not boards:
        return []
    ranked = (
        Notice.objects.public(today)
        .filter(area__in=boards)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("area_id")], order_by=[F("published_at").desc(), F("pk").desc()]
            )
        )
        .filter(rank__lte=preview)
        .order_by("area_id", "rank")
    )
    latest: dict[int, list[Notice]] = {}
    for notice in ranked:
        latest.setdefault(notice.area_id, []).append(notice)
    for board in boards:
        board.latest = latest.get(board.pk, [])
        board.group = board.parent.name if board.parent_id else board.name
    # Grouped under their parent area (a street's communities together), then in tree order.
    boards.sort(key=lambda b: (b.parent.path if b.parent_id else "", b.path))
    return boards


def opinion_box_office(*, area: Area) -> Unit | None:
    """The office residents of ``area`` take a matter to: the nearest residents' committee or street office
    located on the area or one of its ancestors (one query), or None when none is registered."""
    ids = area.ancestor_ids()
    units = list(
        Unit.objects.filter(area_id__in=ids, kind__in=OFFICE_KINDS, is_active=True).select_related("area")
    )
    if not units:
        return None
    return max(units, key=lambda u: (u.area.depth, bool(u.phone)))


def staff_notices(*, user):
    """The notices (published, withdrawn and expired) on the areas where ``user`` may publish."""
    qs = Notice.objects.select_related("area", "published_by__person", "withdrawn_by__person")
    return permissions.scoped(qs, user, permissions.CHANGE_NOTICE, field="area__path").order_by(
        "-published_at", "-pk"
    )


def staff_notice_get(*, user, pk) -> Notice:
    """One notice in ``user``'s publishing scope; out of scope is a 404, as missing."""
    try:
        return staff_notices(user=user).get(pk=pk)
    except Notice.DoesNotExist as exc:
        raise Http404 from exc


def publishable_areas(*, user):
    """Areas where ``user`` may publish: the subtrees of their grants holding ``notices.change_notice``."""
    qs = Area.objects.filter(is_active=True)
    return permissions.scoped(qs, user, permissions.CHANGE_NOTICE, field="path").order_by("path")
