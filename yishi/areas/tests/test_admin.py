"""Admin saves go through the services: the path is computed and the audit event written."""

import pytest

from yishi.areas.models import Area, Unit
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(tree):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_admin_create_and_change_area(client, tree, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/areas/area/add/",
        {
            "parent": tree.community.pk,
            "name": "第二网格",
            "level": "grid",
            "code": "",
            "address": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = Area.objects.get(name="第二网格")
    assert area.path == tree.community.path + f"{area.pk:09d}." and area.depth == 3
    assert AuditEvent.objects.for_object(area).get().actor == superuser
    response = client.post(
        f"/admin/areas/area/{area.pk}/change/",
        {"name": "第二网格（新）", "code": "", "address": "古城巷", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [e.verb for e in AuditEvent.objects.for_object(area)] == ["area.create", "area.update"]
    assert Area.objects.get(pk=area.pk).path == area.path


def test_admin_rejects_a_level_above_the_parent(client, tree, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/areas/area/add/",
        {"parent": tree.community.pk, "name": "高", "level": "street", "is_active": "on"},
    )
    assert response.status_code == 200 and not Area.objects.filter(name="高").exists()


def test_admin_unit(client, tree, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/areas/unit/add/",
        {
            "area": tree.grid.pk,
            "name": "网格超市",
            "kind": "shop",
            "code": "",
            "address": "",
            "phone": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="网格超市")
    assert AuditEvent.objects.for_object(unit).get().verb == "unit.create"
    assert client.get("/admin/areas/unit/").status_code == 200
    assert client.get("/admin/areas/area/").status_code == 200
