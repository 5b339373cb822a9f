"""Who may act on a case, and who must hear about it. The case's scope is not only its area: a department
reaches the cases sent to its unit, a reporter their own cases.

Checks raise ``Http404`` when the actor may not even see the case (out of scope looks like missing) and
``PermissionDenied`` when they see it but their role may not take the step.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from yishi.accounts.models import Role, RoleGrant, User
from yishi.areas.models import Area, Unit
from yishi.core import caching, permissions

from .workflow import ACTION_ROLES, DISPATCHERS, Action

RECORDERS = DISPATCHERS | {Role.GRID_WORKER, Role.BUILDING_STEWARD, Role.DEPUTY}
SUPERVISORS = frozenset({Role.AUDITOR, Role.STREET_STAFF, Role.ADMIN})


def _grants(user) -> list[RoleGrant]:
    return permissions.active_grants(user)


def _within(area_path: str, grant_area: Area) -> bool:
    return area_path.startswith(grant_area.path)


def can_record(actor, area: Area) -> bool:
    """Staff, grid workers, building stewards and deputies record offline cases in their own subtree."""
    if permissions.is_superadmin(actor):
        return True
    return any(g.role in RECORDERS and _within(area.path, g.area) for g in _grants(actor))


def can_view(user, case) -> bool:
    from .selectors import case_visible

    return case_visible(user).filter(pk=case.pk).exists()


def _require_visible(actor, case) -> None:
    if not can_view(actor, case):
        raise Http404


def is_dispatcher(actor, case) -> bool:
    """A dispatcher role on the case's current handling level or above it."""
    if permissions.is_superadmin(actor):
        return True
    return any(g.role in DISPATCHERS and _within(case.level_path, g.area) for g in _grants(actor))


def is_unit_staff(actor, unit: Unit | None) -> bool:
    return unit is not None and any(
        g.role == Role.DEPARTMENT_STAFF and g.unit_id == unit.pk for g in _grants(actor)
    )


def holds(actor, case, action: str, *, unit: Unit | None = None) -> bool:
    """Whether ``actor`` has a role that ``ACTION_ROLES`` allows for ``action``, where it counts:

    - dispatchers (community/street staff, party secretary, admin) at the case's handling level or above;
    - department staff for their own unit: the handling unit, the part's ``unit``, or (claim) a unit that
      serves the case's level;
    - deputies, auditors and supervisors over the case's area.
    """
    if permissions.is_superadmin(actor):
        return True
    allowed = ACTION_ROLES[action]
    for g in _grants(actor):
        if g.role not in allowed:
            continue
        if g.role == Role.DEPARTMENT_STAFF:
            if action == Action.CLAIM:
                ok = g.unit is not None and unit_serves(g.unit, case.level_area)
            else:
                target = unit or case.handler_unit
                ok = target is not None and g.unit_id == target.pk
        elif g.role in (Role.DEPUTY, Role.AUDITOR) or action == Action.CLOSE:
            ok = _within(case.area_path, g.area)
        else:
            ok = _within(case.level_path, g.area)
        if ok:
            return True
    return False


def require_action(actor, case, action: str, *, unit: Unit | None = None) -> None:
    """Raise ``Http404`` when the actor cannot see the case, ``PermissionDenied`` when they may not act."""
    _require_visible(actor, case)
    if not holds(actor, case, action, unit=unit):
        raise PermissionDenied(_("您没有权限对这条诉求执行“%(action)s”。") % {"action": Action(action).label})


def require_handler(actor, case) -> None:
    """Whoever handles the case now: its unit's staff, or the dispatchers at its level (as for resolving)."""
    _require_visible(actor, case)
    if not holds(actor, case, Action.RESOLVE):
        raise PermissionDenied(_("只有承办人员可以执行此操作。"))


def require_dispatcher(actor, case) -> None:
    _require_visible(actor, case)
    if not is_dispatcher(actor, case):
        raise PermissionDenied(_("只有本级受理分办人员可以执行此操作。"))


def require_part_staff(actor, part) -> None:
    _require_visible(actor, part.case)
    if not is_unit_staff(actor, part.unit):
        raise PermissionDenied(_("只有被吹哨部门的工作人员可以报到。"))


def claiming_unit(actor, case) -> Unit:
    require_action(actor, case, Action.CLAIM)
    for g in _grants(actor):
        if g.role == Role.DEPARTMENT_STAFF and g.unit is not None and unit_serves(g.unit, case.level_area):
            return g.unit
    raise PermissionDenied(_("您所在的部门不能认领这条诉求。"))


def sees_all_parts(user, case) -> bool:
    """Whether ``user`` sees every department's part of a whistled case. Those who reach the case through its
    area (staff, supervisors, grid workers, deputies) do; a department reaches it through its own part only,
    and sees just that part."""
    if permissions.is_superadmin(user):
        return True
    from .selectors import AREA_READERS

    return any(g.role in AREA_READERS and _within(case.area_path, g.area) for g in _grants(user))


def visible_parts(user, case, parts):
    """The parts of ``parts`` (a case's) that ``user`` may see."""
    if sees_all_parts(user, case):
        return list(parts)
    return [p for p in parts if is_unit_staff(user, p.unit)]


def can_see_contact(user, case) -> bool:
    """The reporter's contact data is for those handling the case, and for the reporter."""
    if permissions.is_superadmin(user):
        return True
    if getattr(user, "person_id", None) and user.person_id == case.reporter_id:
        return True
    return (
        is_dispatcher(user, case)
        or is_unit_staff(user, case.handler_unit)
        or (case.recorded_by_id is not None and case.recorded_by_id == getattr(user, "pk", None))
    )


def contact_checker(user) -> Callable[[object], bool]:
    """``can_see_contact`` for many cases of one user (an export): the user's grants are read once here, and
    the returned function decides from the case's own columns only (``reporter_id``, ``level_path``,
    ``handler_unit_id``, ``recorded_by_id``), so it works on a ``Case`` or a ``values_list(named=True)`` row
    and never queries. It must give the same answer as ``can_see_contact``; a test compares them.
    """
    if permissions.is_superadmin(user):
        return lambda case: True
    person_id = getattr(user, "person_id", None)
    user_pk = getattr(user, "pk", None)
    grants = _grants(user)
    dispatch_paths = tuple({g.area.path for g in grants if g.role in DISPATCHERS})
    unit_ids = frozenset(g.unit_id for g in grants if g.role == Role.DEPARTMENT_STAFF and g.unit_id)

    def sees(case) -> bool:
        return bool(
            (person_id and person_id == case.reporter_id)
            # str.startswith with a tuple: the same test as ``_within`` against each dispatcher grant.
            or (dispatch_paths and case.level_path.startswith(dispatch_paths))
            or case.handler_unit_id in unit_ids
            or (case.recorded_by_id is not None and case.recorded_by_id == user_pk)
        )

    return sees


def unit_serves(unit: Unit, area: Area) -> bool:
    """A unit serves an area when it is located in that area's subtree or above it (a district bureau)."""
    return area.path.startswith(unit.area.path) or unit.area.path.startswith(area.path)


# ---------------------------------------------------------------- who hears about it


def _users(grants) -> list[User]:
    person_ids = {g.person_id for g in grants}
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))


def dispatchers_of(area: Area) -> list[User]:
    """The dispatchers of ``area``; when it has none, those of the nearest level above that has some.

    Who is told of a new case decides who learns of it, so the list is kept only where the cache is shared
    by every worker (``remembered(exact=True)``): a grant revoked or an account deactivated counts for the
    very next case, as when the two queries ran on every intake."""
    return caching.remembered(
        "dispatchers",
        [area.pk, area.path],
        [RoleGrant, User, Area],
        lambda: _dispatchers_of(area),
        exact=True,
    )


def _dispatchers_of(area: Area) -> list[User]:
    ancestor_ids = area.ancestor_ids()[::-1]  # nearest first, read off the path: no query for the areas
    grants = RoleGrant.objects.filter(
        revoked_at__isnull=True, role__in=DISPATCHERS - {Role.ADMIN}, area_id__in=ancestor_ids
    )
    by_area: dict[int, list] = {}
    for g in grants:
        by_area.setdefault(g.area_id, []).append(g)
    for pk in ancestor_ids:
        if pk in by_area:
            return _users(by_area[pk])
    return []


def unit_staff(unit: Unit) -> list[User]:
    return _users(RoleGrant.objects.filter(revoked_at__isnull=True, role=Role.DEPARTMENT_STAFF, unit=unit))


def pool_staff(area: Area) -> list[User]:
    grants = RoleGrant.objects.filter(revoked_at__isnull=True, role=Role.DEPARTMENT_STAFF, unit__isnull=False)
    return _users([g for g in grants.select_related("unit__area") if unit_serves(g.unit, area)])


def supervisors_of(case) -> list[User]:
    ancestors = list(Area.objects.filter(pk__in=case.area.ancestor_ids()))
    grants = RoleGrant.objects.filter(
        revoked_at__isnull=True, role__in=[Role.AUDITOR, Role.STREET_STAFF], area__in=ancestors
    )
    return _users(grants)


def reporter_users(case, *, with_merged: bool = False) -> list[User]:
    person_ids = {case.reporter_id} if case.reporter_id else set()
    if with_merged:
        person_ids |= set(
            case.merged_cases.exclude(reporter__isnull=True).values_list("reporter_id", flat=True)
        )
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))
