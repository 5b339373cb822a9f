import pytest
from django.http import Http404

from yishi.accounts.models import Person
from yishi.areas.models import Area
from yishi.core import permissions
from yishi.core.services import require
from yishi.core.tests.factories import PersonFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_subtree_scope_covers_descendants_only(tree, staff):
    visible = set(permissions.scoped(Area.objects.all(), staff, permissions.VIEW_AREA, field="path"))
    assert visible == {tree.community, tree.grid, tree.building}


def test_out_of_scope_change_is_a_404_not_a_403(tree, staff):
    other = PersonFactory(home_area=tree.sibling)
    with pytest.raises(Http404):
        require(staff, permissions.CHANGE_PERSON, other)


def test_resident_cannot_see_people(tree):
    resident = user_with_role("resident", tree.community)
    assert not permissions.scoped(
        Person.objects.all(), resident, permissions.VIEW_PERSON, "home_area__path"
    ).exists()


def test_has_perm_answers_from_the_same_table(tree, staff):
    mine, theirs = PersonFactory(home_area=tree.building), PersonFactory(home_area=tree.sibling)
    assert staff.has_perm(permissions.CHANGE_PERSON, mine)
    assert not staff.has_perm(permissions.CHANGE_PERSON, theirs)


def test_nested_grants_fold_into_the_ancestor(tree):
    user = user_with_role("community_staff", tree.community)
    from yishi.core.tests.factories import RoleGrantFactory

    RoleGrantFactory(person=user.person, role="community_staff", area=tree.grid)
    permissions.forget_grants(user)
    assert permissions.scope_paths(user, permissions.VIEW_PERSON) == [tree.community.path]
