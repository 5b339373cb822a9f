"""Fixtures shared by every app's tests: a small area tree, users per role, and the browser setup."""

import os

import pytest

from yishi.areas.models import Level
from yishi.core.tests.factories import AreaFactory, UnitFactory, user_with_role

# pytest-django's live_server and Playwright's sync API trip Django's async-safety check during setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/lib/chromium/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttle counters, cached lookups)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tree(db):
    """吴忠市利通区 → 金星镇 → 裕西社区 (grid, building) and a sibling community, as a namespace."""

    class Tree:
        pass

    t = Tree()
    t.district = AreaFactory(name="利通区", level=Level.DISTRICT, code="640302")
    t.street = AreaFactory(parent=t.district, name="金星镇", level=Level.STREET)
    t.community = AreaFactory(parent=t.street, name="裕西社区", level=Level.COMMUNITY)
    t.grid = AreaFactory(parent=t.community, name="第一网格", level=Level.GRID)
    t.building = AreaFactory(parent=t.grid, name="古城巷5号楼", level=Level.BUILDING)
    t.sibling = AreaFactory(parent=t.street, name="金花社区", level=Level.COMMUNITY)
    t.sibling_grid = AreaFactory(parent=t.sibling, name="金花第一网格", level=Level.GRID)
    t.hospital = UnitFactory(area=t.community, name="古城卫生院", kind="hospital")
    return t


@pytest.fixture
def staff(tree):
    """A community staff member of 裕西社区."""
    return user_with_role("community_staff", tree.community, username="yuxi-staff")


@pytest.fixture
def admin_user(tree):
    return user_with_role("admin", tree.district, username="district-admin")
