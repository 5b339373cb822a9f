"""Rules of the area tree: levels go down, names and codes are unique, paths nest, subtrees are ranges."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yishi.areas.models import Area, Level, Unit, subtree_q
from yishi.areas.services import area_create, area_update, unit_create, unit_update
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import AreaFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_paths_nest_across_five_levels(tree):
    chain = [tree.district, tree.street, tree.community, tree.grid, tree.building]
    for depth, area in enumerate(chain):
        assert area.depth == depth
        assert area.ancestor_ids() == [a.pk for a in chain[: depth + 1]]
    assert tree.building.path.startswith(tree.grid.path)
    assert tree.building.full_name() == "利通区金星镇裕西社区第一网格古城巷5号楼"
    assert list(tree.building.ancestors()) == chain


def test_subtree_range_returns_the_subtree_and_nothing_else(tree):
    # An area whose pk starts with the same digits must not leak into the range.
    outside = AreaFactory(name="青铜峡市", level=Level.DISTRICT)
    got = set(Area.objects.filter(subtree_q(tree.community.path, "path")))
    assert got == {tree.community, tree.grid, tree.building}
    assert set(Area.objects.subtree(tree.street)) == {
        tree.street,
        tree.community,
        tree.grid,
        tree.building,
        tree.sibling,
        tree.sibling_grid,
    }
    assert outside not in set(Area.objects.subtree(tree.district))
    assert set(Unit.objects.filter(subtree_q(tree.grid.path))) == set()
    assert set(Unit.objects.filter(subtree_q(tree.street.path))) == {tree.hospital}


@pytest.mark.parametrize("level", [Level.DISTRICT, Level.STREET, Level.PROVINCE])
def test_child_level_must_be_below_parent(tree, level):
    with pytest.raises(ValidationError) as err:
        area_create(actor=None, parent=tree.street, name="新区域", level=level)
    assert "level" in err.value.message_dict


def test_child_may_skip_levels(tree):
    grid = area_create(actor=None, parent=tree.street, name="直属网格", level=Level.GRID)
    assert grid.depth == 2


def test_unknown_level_is_a_field_error(tree):
    with pytest.raises(ValidationError) as err:
        area_create(actor=None, parent=tree.street, name="新区域", level="planet")
    assert "level" in err.value.message_dict


def test_names_unique_among_siblings_only(tree):
    with pytest.raises(ValidationError) as err:
        area_create(actor=None, parent=tree.street, name="裕西社区", level=Level.COMMUNITY)
    assert "name" in err.value.message_dict
    # The same name under another parent is fine.
    area_create(actor=None, parent=tree.sibling, name="第一网格", level=Level.GRID)


def test_codes_unique_overall(tree):
    with pytest.raises(ValidationError) as err:
        area_create(actor=None, parent=tree.street, name="新社区", level=Level.COMMUNITY, code="640302")
    assert "code" in err.value.message_dict


def test_update_code_clash_and_rename(tree, admin_user):
    with pytest.raises(ValidationError) as err:
        area_update(actor=admin_user, area=tree.street, code="640302")
    assert "code" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        area_update(actor=admin_user, area=tree.sibling, name="裕西社区")
    assert "name" in err.value.message_dict
    area = area_update(actor=admin_user, area=tree.sibling, name="金花新社区")
    assert Area.objects.get(pk=area.pk).name == "金花新社区"
    event = AuditEvent.objects.for_object(area).last()
    assert event.verb == "area.update"
    assert event.before["name"] == "金花社区" and event.after["name"] == "金花新社区"


def test_update_refuses_moving_or_relevelling(tree, admin_user):
    with pytest.raises(ValidationError) as err:
        area_update(actor=admin_user, area=tree.grid, parent=tree.sibling)
    assert "parent" in err.value.message_dict


def test_blank_and_too_long_names(tree, admin_user):
    with pytest.raises(ValidationError) as err:
        area_create(actor=admin_user, parent=tree.street, name="  ", level=Level.COMMUNITY)
    assert "name" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        area_create(actor=admin_user, parent=tree.street, name="长" * 101, level=Level.COMMUNITY)
    assert "name" in err.value.message_dict


def test_only_platform_admins_create_roots(tree, admin_user):
    with pytest.raises(ValidationError) as err:
        area_create(actor=admin_user, parent=None, name="新市", level=Level.CITY)
    assert "parent" in err.value.message_dict


def test_change_area_needs_the_role_and_the_scope(tree, staff):
    # Staff may see the community but not change areas: forbidden. Out of its subtree: missing.
    with pytest.raises(PermissionDenied):
        area_create(actor=staff, parent=tree.community, name="新网格", level=Level.GRID)
    with pytest.raises(Http404):
        area_update(actor=staff, area=tree.sibling, name="x")
    community_admin = user_with_role("admin", tree.community, username="c-admin")
    with pytest.raises(Http404):
        area_create(actor=community_admin, parent=tree.sibling, name="新网格", level=Level.GRID)
    created = area_create(actor=community_admin, parent=tree.community, name="新网格", level=Level.GRID)
    assert AuditEvent.objects.for_object(created).get().verb == "area.create"


def test_units_unique_in_area_and_kind_checked(tree, staff):
    with pytest.raises(ValidationError) as err:
        unit_create(actor=staff, area=tree.community, name="古城卫生院", kind="hospital")
    assert "name" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        unit_create(actor=staff, area=tree.community, name="新单位", kind="spaceship")
    assert "kind" in err.value.message_dict
    unit = unit_create(actor=staff, area=tree.grid, name="古城卫生院", kind="hospital")
    assert AuditEvent.objects.for_object(unit).get().verb == "unit.create"
    with pytest.raises(ValidationError) as err:
        unit_update(actor=staff, unit=unit, name=" ")
    assert "name" in err.value.message_dict
    with pytest.raises(Http404):
        unit_create(actor=staff, area=tree.sibling, name="外单位", kind="shop")
    unit_update(actor=staff, unit=unit, phone="0953-1234567")
    assert AuditEvent.objects.for_object(unit).last().after["phone"] == "0953-1234567"
