"""Reads of 意见与调研: a subject's opinions with their research, those still waiting for research, scoped gets."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from yishi.accounts.models import Person
from yishi.areas.models import subtree_q
from yishi.core.permissions import VIEW_OPINION, scoped

from .models import Opinion

# Roles whose holders may be named as researchers (调研人) of an opinion.
RESEARCHER_ROLES = (
    "community_staff",
    "party_secretary",
    "street_staff",
    "grid_worker",
    "building_steward",
    "party_member",
    "cppcc_office",
    "deputy",
    "admin",
)


def opinions_for(subject) -> QuerySet[Opinion]:
    """Every opinion on ``subject``, oldest first, with author, unit, meeting and research loaded."""
    return Opinion.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).select_related("author", "author_unit", "meeting", "entered_by", "research", "research__researcher")


def unresearched(subject, *, channels=None) -> QuerySet[Opinion]:
    """The opinions on ``subject`` without research, optionally only from ``channels`` (e.g. ``["meeting"]``)."""
    qs = opinions_for(subject).filter(research__isnull=True)
    if channels is not None:
        qs = qs.filter(channel__in=list(channels))
    return qs


def opinion_list(*, user) -> QuerySet[Opinion]:
    """The opinions ``user`` may read (by the area of their subject)."""
    return scoped(opinions_for_all(), user, VIEW_OPINION, field="area_path")


def opinions_for_all() -> QuerySet[Opinion]:
    return Opinion.objects.select_related("author", "author_unit", "research", "research__researcher")


def opinion_get(*, user, pk) -> Opinion:
    """One opinion ``user`` may read; out of scope is a 404 exactly like a missing one."""
    return get_object_or_404(opinion_list(user=user), pk=pk)


def researchers_for(area_path: str) -> QuerySet[Person]:
    """People who may be named researcher for a subject at ``area_path``: holders of a working role on that
    area, on an area above it or inside it."""
    ancestor_ids = [int(seg) for seg in area_path.split(".") if seg]
    return (
        Person.objects.filter(grants__revoked_at__isnull=True, grants__role__in=RESEARCHER_ROLES)
        .filter(Q(grants__area_id__in=ancestor_ids) | subtree_q(area_path, "grants__area__path"))
        .distinct()
        .order_by("name", "pk")
    )
