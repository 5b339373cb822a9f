"""Fixtures of the council tests: 裕西社区's council with a few members and a topic at any status."""

import pytest

from yishi.core.tests.factories import PersonFactory, user_with_role

from .helpers import make_council


@pytest.fixture
def secretary(tree):
    return user_with_role("party_secretary", tree.community, username="yuxi-secretary")


@pytest.fixture
def council(tree, secretary):
    return make_council(tree, secretary, members=5)


@pytest.fixture
def resident(tree):
    return user_with_role("resident", tree.community, username="yuxi-resident")


@pytest.fixture
def outsider(tree):
    """Community staff of the sibling community: must never see 裕西社区's council."""
    return user_with_role("community_staff", tree.sibling, username="jinhua-staff")


@pytest.fixture
def person(tree):
    return PersonFactory(home_area=tree.building)
