"""The generated permission matrix: every role × {own subtree, sibling subtree, parent area} × {view, change}
on every model that belongs to an area.

The expectation is read from ``ROLE_PERMISSIONS``: a role may do a thing only where it is granted, and only
if the table gives that role the permission. Both the object check (``can`` / ``user.has_perm``) and the
list selector (``scoped``) must agree with it, so a new role or model cannot slip through unnoticed.
"""

import pytest
from django.contrib.contenttypes.models import ContentType

from yishi.accounts.models import Person, Role
from yishi.areas.models import Area, Unit
from yishi.attachments.models import Attachment
from yishi.audit.models import AuditEvent
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.tests.factories import AreaFactory, PersonFactory, UnitFactory, user_with_role
from yishi.notices.models import Notice

pytestmark = pytest.mark.django_db

LOCATIONS = ("own", "sibling", "parent")


# model label -> (make a record located in an area, view perm, change perm, selector path field, queryset)
AREA_BOUND = {
    "areas.area": (
        lambda area: AreaFactory(parent=area) if area.level == "community" else area,
        permissions.VIEW_AREA,
        permissions.CHANGE_AREA,
        "path",
        lambda: Area.objects.all(),
    ),
    "areas.unit": (
        lambda area: UnitFactory(area=area),
        permissions.VIEW_UNIT,
        permissions.CHANGE_UNIT,
        "area__path",
        lambda: Unit.objects.all(),
    ),
    "accounts.person": (
        lambda area: PersonFactory(home_area=area),
        permissions.VIEW_PERSON,
        permissions.CHANGE_PERSON,
        "home_area__path",
        lambda: Person.objects.all(),
    ),
}

# Notices are public once published; the matrix covers the staff side (view on staff pages, change).
AREA_BOUND["notices.notice"] = (
    lambda area: Notice.objects.create(area=area, title="停水通知", body="明日停水"),
    permissions.VIEW_NOTICE,
    permissions.CHANGE_NOTICE,
    "area__path",
    lambda: Notice.objects.all(),
)
AREA_BOUND["attachments.attachment"] = (
    lambda area: Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(Area),
        object_id=str(area.pk),
        area_path=area.path,
        file="attachments/x.txt",
        original_name="x.txt",
        mime_type="text/plain",
        size=1,
        sha256="0" * 64,
    ),
    permissions.VIEW_ATTACHMENT,
    permissions.CHANGE_ATTACHMENT,
    "area_path",
    lambda: Attachment.objects.all(),
)
# The audit trail is read-only for everyone: its "change" permission is held by no role.
AREA_BOUND["audit.auditevent"] = (
    lambda area: audit_record(actor=None, obj=area, verb="area.update"),
    permissions.VIEW_AUDIT,
    "audit.change_auditevent",
    "area_path",
    lambda: AuditEvent.objects.all(),
)


@pytest.fixture
def places(tree):
    return {"own": tree.community, "sibling": tree.sibling, "parent": tree.street}


@pytest.mark.parametrize("label", sorted(AREA_BOUND))
@pytest.mark.parametrize("role", Role.values)
def test_matrix(label, role, places, tree):
    maker, view_perm, change_perm, field, queryset = AREA_BOUND[label]
    user = user_with_role(role, tree.community)
    records = {where: maker(places[where]) for where in LOCATIONS}
    for where, record in records.items():
        for perm in (view_perm, change_perm):
            expected = where == "own" and perm in permissions.ROLE_PERMISSIONS[role]
            assert permissions.can(user, perm, record) is expected, (role, where, perm)
            assert user.has_perm(perm, record) is expected, (role, where, perm)
            in_list = permissions.scoped(queryset(), user, perm, field).filter(pk=record.pk).exists()
            assert in_list is expected, (role, where, perm, "selector")


def test_every_role_is_in_the_table():
    assert set(permissions.ROLE_PERMISSIONS) == set(Role.values)


def test_revoked_grant_gives_nothing(tree):
    from django.utils import timezone

    user = user_with_role("community_staff", tree.community)
    user.person.grants.update(revoked_at=timezone.now())
    permissions.forget_grants(user)
    assert not permissions.can(user, permissions.VIEW_PERSON, PersonFactory(home_area=tree.community))
