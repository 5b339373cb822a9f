"""Permissions in one place: which role may do what, and where.

A user may do ``perm`` on a record when one of their active role grants names a role that holds ``perm``
in ``ROLE_PERMISSIONS`` and the record's area lies in the grant's area subtree. Everything else — pages,
API, admin actions, services — asks through ``scoped()`` (lists) or ``can()`` (one record), and a record
out of scope is reported as missing (404), never as forbidden, so its existence does not leak.

Records that belong to an area expose ``scope_path`` (their area's materialised path).
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.db.models import Q, QuerySet

from yishi.accounts.models import Role, RoleGrant
from yishi.areas.models import subtree_q

VIEW_AREA, CHANGE_AREA = "areas.view_area", "areas.change_area"
VIEW_UNIT, CHANGE_UNIT = "areas.view_unit", "areas.change_unit"
VIEW_PERSON, CHANGE_PERSON = "accounts.view_person", "accounts.change_person"
VIEW_NOTICE, CHANGE_NOTICE = "notices.view_notice", "notices.change_notice"
VIEW_ATTACHMENT, CHANGE_ATTACHMENT = "attachments.view_attachment", "attachments.change_attachment"
VIEW_AUDIT = "audit.view_auditevent"
IMPORT_LEDGER = "areas.import_ledger"
VIEW_CASE_RATES = "cases.view_rates"  # the P1 dashboard, rankings and ledgers of an area subtree
CHANGE_RATE_SETTINGS = "cases.change_ratesettings"  # the weights of the rates (one global row)
VIEW_MEETING, CHANGE_MEETING = "meetings.view_meeting", "meetings.change_meeting"
VIEW_COUNCIL, CHANGE_COUNCIL = "councils.view_council", "councils.change_council"
VIEW_OPINION, CHANGE_OPINION = "opinions.view_opinion", "opinions.change_opinion"  # change: paper, research
ADD_OPINION = "opinions.add_opinion"  # give an opinion online on a subject in one's area
VIEW_FOLLOWUP, CHANGE_FOLLOWUP = "followups.view_followup", "followups.change_followup"
ADD_VOLUNTEER = "followups.add_volunteer"  # sign up as a volunteer for a follow-up item

# What anyone with a grant in an area may do there: read its areas, units, notices, council, opinions and
# follow-ups; give an opinion online; volunteer.
_EVERYONE = {
    VIEW_AREA,
    VIEW_UNIT,
    VIEW_NOTICE,
    VIEW_COUNCIL,
    VIEW_OPINION,
    ADD_OPINION,
    VIEW_FOLLOWUP,
    ADD_VOLUNTEER,
}
# Those who work in the area also see its people, meetings and files. (Residents see a meeting only when
# invited: a joint case meeting names the case and the parties.)
_WORKER = _EVERYONE | {VIEW_MEETING, VIEW_ATTACHMENT}
_FIELD_WORKER = _WORKER | {VIEW_PERSON, CHANGE_ATTACHMENT}
# Those who convene meetings, type in paper opinions, record research and manage follow-up items.
_CONVENER = {CHANGE_MEETING, CHANGE_OPINION, CHANGE_FOLLOWUP}
_STAFF = (
    _FIELD_WORKER
    | _CONVENER
    | {
        CHANGE_PERSON,
        CHANGE_UNIT,
        CHANGE_NOTICE,
        VIEW_AUDIT,
        VIEW_CASE_RATES,
        CHANGE_COUNCIL,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(_EVERYONE),
    Role.PARTY_MEMBER: frozenset(_EVERYONE),
    Role.UNION_REP: frozenset(_EVERYONE),
    Role.EMPLOYER_REP: frozenset(_EVERYONE),
    Role.DEPUTY: frozenset(_WORKER),
    Role.DEPARTMENT_STAFF: frozenset(_WORKER | {CHANGE_ATTACHMENT}),
    Role.GRID_WORKER: frozenset(_FIELD_WORKER),
    Role.BUILDING_STEWARD: frozenset(_FIELD_WORKER),
    Role.COMMUNITY_STAFF: frozenset(_STAFF),
    Role.PARTY_SECRETARY: frozenset(_STAFF),
    Role.STREET_STAFF: frozenset(_STAFF),
    Role.CPPCC_OFFICE: frozenset(_WORKER | _CONVENER | {CHANGE_NOTICE, CHANGE_ATTACHMENT}),
    Role.AUDITOR: frozenset(_FIELD_WORKER - {CHANGE_ATTACHMENT} | {VIEW_AUDIT, VIEW_CASE_RATES}),
    Role.ADMIN: frozenset(_STAFF | {CHANGE_AREA, IMPORT_LEDGER, CHANGE_RATE_SETTINGS}),
}

# Roles that may create staff accounts and grant roles within their own subtree, and the roles they may grant.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Role.values),
    Role.STREET_STAFF: frozenset(Role.values) - {Role.ADMIN, Role.AUDITOR},
    Role.COMMUNITY_STAFF: frozenset(
        {Role.GRID_WORKER, Role.BUILDING_STEWARD, Role.PARTY_MEMBER, Role.RESIDENT, Role.COMMUNITY_STAFF}
    ),
    Role.PARTY_SECRETARY: frozenset(
        {Role.GRID_WORKER, Role.BUILDING_STEWARD, Role.PARTY_MEMBER, Role.RESIDENT, Role.COMMUNITY_STAFF}
    ),
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def active_grants(user) -> list[RoleGrant]:
    """The user's active grants with their areas and units (and a unit's area, a department's branches),
    read once per user object (a request, or the cached signed-in user: ``accounts.backends``) and kept on it."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return []
    cached = getattr(user, "_yishi_grants", None)
    if cached is None:
        cached = list(
            RoleGrant.objects.filter(person_id=user.person_id, revoked_at__isnull=True).select_related(
                "area", "unit", "unit__area"
            )
        )
        user._yishi_grants = cached
    return cached


def forget_grants(user) -> None:
    """Drop the cached grants after they changed (services that grant or revoke call this)."""
    if hasattr(user, "_yishi_grants"):
        del user._yishi_grants


def is_superadmin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def scope_paths(user, perm: str) -> list[str]:
    """Area paths under which ``user`` holds ``perm``; nested paths are folded into their ancestor."""
    paths = sorted({g.area.path for g in active_grants(user) if perm in ROLE_PERMISSIONS[g.role]})
    folded: list[str] = []
    for path in paths:
        if not folded or not path.startswith(folded[-1]):
            folded.append(path)
    return folded


def roles_of(user) -> set[str]:
    return {g.role for g in active_grants(user)}


def scoped(queryset: QuerySet, user, perm: str, field: str = "area__path") -> QuerySet:
    """The rows of ``queryset`` that ``user`` holds ``perm`` on, by the area path in ``field``."""
    if is_superadmin(user):
        return queryset
    paths = scope_paths(user, perm)
    if not paths:
        return queryset.none()
    condition = Q()
    for path in paths:
        condition |= subtree_q(path, field)
    return queryset.filter(condition)


def can(user, perm: str, obj=None) -> bool:
    """Whether ``user`` holds ``perm`` on ``obj`` (on anything in some area, when ``obj`` is None)."""
    if is_superadmin(user):
        return True
    paths = scope_paths(user, perm)
    if obj is None:
        return bool(paths)
    path = obj.scope_path
    return any(path.startswith(p) for p in paths)


def can_grant(user, role: str, area) -> bool:
    """Whether ``user`` may give ``role`` on ``area``: a granting role on an ancestor (or the area itself)."""
    if is_superadmin(user):
        return True
    return any(
        role in GRANTABLE_ROLES.get(g.role, ()) and area.path.startswith(g.area.path)
        for g in active_grants(user)
    )


def areas_where(user, perm: str) -> Iterable:
    """The grant areas (tops of subtrees) where ``user`` holds ``perm``."""
    return [g.area for g in active_grants(user) if perm in ROLE_PERMISSIONS[g.role]]


def _predicate(perm: str) -> rules.Predicate:
    def holds(user, obj=None) -> bool:
        return can(user, perm, obj)

    return rules.predicate(holds, name=perm)


def register_rules() -> None:
    """Make ``user.has_perm(perm, obj)`` (admin, DRF, templates) answer from the same table."""
    for perm in ALL_PERMISSIONS:
        rules.set_perm(perm, _predicate(perm))
