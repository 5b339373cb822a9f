"""Reads of people, accounts and role grants, always through the viewer's scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from yishi.areas.models import Area, subtree_q
from yishi.audit.models import AuditEvent
from yishi.core import permissions
from yishi.core.masking import mask_id_number, mask_phone

from .models import Person, Role, RoleGrant


def _active_grants() -> Prefetch:
    return Prefetch(
        "grants",
        queryset=RoleGrant.objects.filter(revoked_at__isnull=True).select_related("area").order_by("pk"),
        to_attr="active_grants",
    )


def person_list(*, user, search: str = "") -> QuerySet[Person]:
    """People whose home area lies where ``user`` holds view_person, optionally filtered by name."""
    qs = Person.objects.select_related("home_area", "unit").prefetch_related(_active_grants())
    qs = permissions.scoped(qs, user, permissions.VIEW_PERSON, field="home_area__path")
    search = (search or "").strip()
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("home_area__path", "name", "pk")


def person_get(*, user, pk, perm: str = permissions.VIEW_PERSON) -> Person:
    """One person in ``user``'s scope for ``perm``; out of scope is the same 404 as a missing one."""
    qs = Person.objects.select_related("home_area", "unit").prefetch_related(_active_grants())
    try:
        return permissions.scoped(qs, user, perm, field="home_area__path").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def person_grants(*, person: Person) -> QuerySet[RoleGrant]:
    """Every grant the person ever held, active ones first."""
    return person.grants.select_related("area", "unit").order_by("revoked_at", "-granted_at", "-pk")


def person_events(*, person: Person) -> QuerySet[AuditEvent]:
    """The person's audit timeline, oldest first."""
    return AuditEvent.objects.for_object(person).order_by("seq")


def shows_contact(user, person: Person) -> bool:
    """Whether ``user`` sees ``person``'s phone and ID number unmasked (they may change the person)."""
    return permissions.can(user, permissions.CHANGE_PERSON, person)


def contact_of(user, person: Person) -> dict:
    """The person's phone and ID number as ``user`` may see them."""
    if shows_contact(user, person):
        return {"phone": person.phone, "id_number": person.id_number}
    return {"phone": mask_phone(person.phone), "id_number": mask_id_number(person.id_number)}


def grantable_roles(user) -> list[tuple[str, str]]:
    """(value, label) of the roles ``user`` may grant somewhere, in the order of ``Role``."""
    if permissions.is_superadmin(user):
        allowed = set(Role.values)
    else:
        allowed = set()
        for grant in permissions.active_grants(user):
            allowed |= permissions.GRANTABLE_ROLES.get(grant.role, frozenset())
    return [(value, label) for value, label in Role.choices if value in allowed]


def grantable_areas(user) -> QuerySet[Area]:
    """Active areas in the subtrees where ``user`` holds a granting role."""
    qs = Area.objects.filter(is_active=True).order_by("path")
    if permissions.is_superadmin(user):
        return qs
    tops = sorted(
        {g.area.path for g in permissions.active_grants(user) if g.role in permissions.GRANTABLE_ROLES}
    )
    if not tops:
        return qs.none()
    condition = subtree_q(tops[0], "path")
    for path in tops[1:]:
        condition |= subtree_q(path, "path")
    return qs.filter(condition)


def person_areas(user) -> QuerySet[Area]:
    """Active areas where ``user`` may register people (change_person)."""
    qs = Area.objects.filter(is_active=True).order_by("path")
    return permissions.scoped(qs, user, permissions.CHANGE_PERSON, field="path")
