"""Reads of 落实跟踪: a subject's item tree, the scoped list with an overdue filter, one item with its updates."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from yishi.accounts.models import Person
from yishi.areas.models import Unit, subtree_q
from yishi.attachments.models import Attachment
from yishi.core.permissions import VIEW_ATTACHMENT, VIEW_FOLLOWUP, VIEW_PERSON, VIEW_UNIT, scoped

from .models import OPEN_STATUSES, FollowUp, ProgressUpdate


def items() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related("area", "owner_unit", "owner_person").annotate(
        volunteer_count=Count("volunteers", distinct=True)
    )


def followups_for(subject) -> QuerySet[FollowUp]:
    """The root items following ``subject``, by deadline, with two levels of children prefetched."""
    grandchildren = Prefetch("children", queryset=items().order_by("deadline", "id"))
    children = Prefetch(
        "children", queryset=items().order_by("deadline", "id").prefetch_related(grandchildren)
    )
    return (
        items()
        .filter(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=str(subject.pk),
            parent__isnull=True,
        )
        .prefetch_related(children)
    )


def overdue_q(today=None) -> Q:
    return Q(status__in=OPEN_STATUSES, deadline__lt=today or timezone.localdate())


def followup_list(*, user, overdue: bool = False) -> QuerySet[FollowUp]:
    """Items in ``user``'s scope, by deadline; ``overdue`` keeps only open items past their deadline."""
    qs = scoped(items(), user, VIEW_FOLLOWUP, field="area__path")
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("deadline", "id")


def followup_get(*, user, pk) -> FollowUp:
    """One item ``user`` may see; out of scope is a 404 exactly like a missing one."""
    return get_object_or_404(
        scoped(items().select_related("parent", "created_by"), user, VIEW_FOLLOWUP, field="area__path"),
        pk=pk,
    )


def updates_with_files(followup: FollowUp, *, user) -> list[ProgressUpdate]:
    """The item's progress updates, oldest first, each with ``files`` (its evidence ``user`` may see):
    two queries whatever the number of updates."""
    updates = list(followup.updates.select_related("reported_by"))
    if not updates:
        return updates
    ct = ContentType.objects.get_for_model(ProgressUpdate)
    files = scoped(
        Attachment.objects.filter(content_type=ct, object_id__in=[str(u.pk) for u in updates]),
        user,
        VIEW_ATTACHMENT,
        field="area_path",
    )
    by_update = defaultdict(list)
    for attachment in files.order_by("pk"):
        by_update[attachment.object_id].append(attachment)
    for update in updates:
        update.files = by_update.get(str(update.pk), [])
    return updates


def owner_choices(*, user, area_path: str) -> tuple[QuerySet[Unit], QuerySet[Person]]:
    """Units and people that may own an item at ``area_path``: those in its subtree or on an area above it
    (a department of the street or the district), within what ``user`` may see."""
    ancestor_ids = [int(seg) for seg in area_path.split(".") if seg]
    units = scoped(
        Unit.objects.filter(Q(area_id__in=ancestor_ids) | subtree_q(area_path, "area__path"), is_active=True),
        user,
        VIEW_UNIT,
    ).order_by("name")
    people = scoped(
        Person.objects.filter(grants__revoked_at__isnull=True)
        .filter(Q(grants__area_id__in=ancestor_ids) | subtree_q(area_path, "grants__area__path"))
        .distinct(),
        user,
        VIEW_PERSON,
        field="home_area__path",
    ).order_by("name", "pk")
    return units, people
