"""Categories admin (tree, keywords, routes), the read-only case admin, and the route suggestion ``route_for``."""

import pytest

from yishi.accounts.models import User
from yishi.cases import services
from yishi.cases.models import Case, Category, CategoryRoute, HandlingLevel
from yishi.cases.selectors import route_for
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(tree):
    return User.objects.create_superuser(username="root", password="yishi-demo")


def test_admin_creates_a_category_with_keywords_and_a_route(client, superuser, tree):
    parent = CategoryFactory(key="city", name="市政设施")
    client.force_login(superuser)
    response = client.post(
        "/admin/cases/category/add/",
        {
            "parent": parent.pk,
            "key": "parking",
            "name": "停车",
            "description": "",
            "keywords": "停车 车位 乱停",
            "is_active": "on",
            "order": 3,
            "routes-TOTAL_FORMS": 1,
            "routes-INITIAL_FORMS": 0,
            "routes-MIN_NUM_FORMS": 0,
            "routes-MAX_NUM_FORMS": 1000,
            "routes-0-area": tree.district.pk,
            "routes-0-level": "street",
            "routes-0-unit": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get(key="parking")
    assert category.parent == parent and "车位" in category.keywords
    assert category.routes.get().level == HandlingLevel.STREET
    assert client.get("/admin/cases/category/").status_code == 200


def test_a_unit_route_without_a_unit_is_refused(client, superuser, tree):
    client.force_login(superuser)
    response = client.post(
        "/admin/cases/category/add/",
        {
            "key": "wall",
            "name": "危墙",
            "is_active": "on",
            "order": 0,
            "routes-TOTAL_FORMS": 1,
            "routes-INITIAL_FORMS": 0,
            "routes-MIN_NUM_FORMS": 0,
            "routes-MAX_NUM_FORMS": 1000,
            "routes-0-area": tree.district.pk,
            "routes-0-level": "unit",
            "routes-0-unit": "",
        },
    )
    assert response.status_code == 200
    assert not Category.objects.filter(key="wall").exists()


def test_case_admin_is_read_only(client, superuser, tree, staff):
    case = make_case(tree.building)
    client.force_login(superuser)
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get("/admin/cases/case/?status__exact=submitted&is_open__exact=1").status_code == 200
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert case.tracking_token not in page.content.decode()
    response = client.post(f"/admin/cases/case/{case.pk}/change/", {"status": Status.CLOSED})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED
    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.post(f"/admin/cases/case/{case.pk}/delete/").status_code == 403
    for model in ("casestep", "extension", "rating"):
        assert client.get(f"/admin/cases/{model}/").status_code == 200
        assert client.get(f"/admin/cases/{model}/add/").status_code == 403


# ---------------------------------------------------------------- route_for


def test_route_for_takes_the_deepest_area_and_falls_back_to_the_parent_category(tree, staff):
    parent = CategoryFactory(key="city", name="市政设施")
    parking = CategoryFactory(key="parking", name="停车", parent=parent)
    police = UnitFactory(area=tree.district, name="交警大队")
    case = make_case(tree.building, category=parking)
    assert route_for(case) == (HandlingLevel.COMMUNITY, None)
    CategoryRoute.objects.create(category=parent, area=tree.district, level=HandlingLevel.STREET)
    assert route_for(case) == (HandlingLevel.STREET, None)
    CategoryRoute.objects.create(category=parking, area=tree.district, level=HandlingLevel.STREET)
    CategoryRoute.objects.create(category=parking, area=tree.community, level="unit", unit=police)
    assert route_for(case) == ("unit", police)
    # A route of another subtree does not apply.
    sibling_case = make_case(tree.sibling_grid, category=parking)
    assert route_for(sibling_case) == (HandlingLevel.STREET, None)


def test_accept_suggests_the_route_and_dispatches_nobody(tree, staff):
    police = UnitFactory(area=tree.street, name="交警大队")
    parking = CategoryFactory(key="parking", name="停车")
    CategoryRoute.objects.create(category=parking, area=tree.street, level="unit", unit=police)
    case = services.case_accept(actor=staff, case=make_case(tree.building, category=parking))
    assert case.suggested_route == ("unit", police)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.handler_unit is None
    from yishi.audit.models import AuditEvent

    event = AuditEvent.objects.get(verb="case.accept")
    assert event.after["route"] == {"level": "unit", "unit": police.pk}


def test_accept_with_a_corrected_category_routes_by_the_new_one(tree, staff):
    wrong = CategoryFactory(key="noise", name="噪声")
    parking = CategoryFactory(key="parking", name="停车")
    CategoryRoute.objects.create(category=parking, area=tree.district, level=HandlingLevel.STREET)
    case = services.case_accept(actor=staff, case=make_case(tree.building, category=wrong), category=parking)
    assert case.suggested_route == (HandlingLevel.STREET, None)
