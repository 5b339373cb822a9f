"""Who may act on a follow-up item, beyond the role table: the owner reports on their own item."""

from __future__ import annotations

from django.db.models import Q

from yishi.accounts.models import Role, RoleGrant, User
from yishi.areas.models import Area
from yishi.core import permissions

from .models import FollowUp


def actor_units(actor) -> set[int]:
    units = {g.unit_id for g in permissions.active_grants(actor) if g.unit_id}
    person = getattr(actor, "person", None)
    if person is not None and person.unit_id:
        units.add(person.unit_id)
    return units


def is_owner(actor, followup: FollowUp) -> bool:
    """The owner person's own account, or someone acting for the owner unit."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if followup.owner_person_id and actor.person_id == followup.owner_person_id:
        return True
    return bool(followup.owner_unit_id and followup.owner_unit_id in actor_units(actor))


def may_report(actor, followup: FollowUp) -> bool:
    """Staff who manage follow-ups in the area, or the item's owner who can see it."""
    if permissions.can(actor, permissions.CHANGE_FOLLOWUP, followup):
        return True
    return is_owner(actor, followup) and permissions.can(actor, permissions.VIEW_FOLLOWUP, followup)


def owner_users(followup: FollowUp) -> list[User]:
    condition = Q()
    if followup.owner_person_id:
        condition |= Q(person_id=followup.owner_person_id)
    if followup.owner_unit_id:
        condition |= Q(
            person__grants__unit_id=followup.owner_unit_id, person__grants__revoked_at__isnull=True
        )
    return list(User.objects.filter(condition, is_active=True).distinct())


def supervisors_of(followup: FollowUp) -> list[User]:
    """督办: auditors and street staff on the item's area or above it."""
    ancestors = Area.objects.filter(pk__in=followup.area.ancestor_ids())
    person_ids = RoleGrant.objects.filter(
        revoked_at__isnull=True, role__in=[Role.AUDITOR, Role.STREET_STAFF], area__in=ancestors
    ).values("person_id")
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))
