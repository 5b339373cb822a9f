"""How a signed-in user is read back on each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from yishi.core import caching, permissions


def identity_models() -> tuple:
    """What a signed-in user as ``AccountBackend.get_user`` returns it is read from: the account, its person,
    the person's grants and the areas and units they name (``accounts.apps`` watches each)."""
    from yishi.areas.models import Area, Unit

    from .models import Person, RoleGrant

    return (get_user_model(), Person, RoleGrant, Area, Unit)


def _read_user(user_id):
    users = get_user_model()._default_manager.select_related("person")
    try:
        user = users.get(pk=user_id)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        return None
    permissions.active_grants(user)  # read now, so that they are kept with the user
    return user


class AccountBackend(ModelBackend):
    """Django's ModelBackend (password sign-in, permissions), except for how the user of a session is read:
    with their person in one query (every page's header names the person, ``User.__str__``) and their active
    grants, and — where the cache is shared by every worker (Redis) — from the cache, so that a signed-in
    page reads neither. Any change to an account, person, grant, area or unit makes every such entry a miss
    (``core.caching.remembered(exact=True)``), in every worker at once: a revoked grant or a deactivated
    account takes effect on the next request, as when it was read from the database each time."""

    def get_user(self, user_id):
        user = caching.remembered(
            "signed-in", [user_id], identity_models(), lambda: _read_user(user_id), exact=True
        )
        return user if user is not None and self.user_can_authenticate(user) else None
