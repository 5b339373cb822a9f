"""API sign-in. A module of its own: DRF imports its authentication classes while ``rest_framework.views``
is still loading, so this one must not import the views (``core.api`` does)."""

import hashlib

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from yishi.core import caching, permissions


def _read_token(model, key: str):
    try:
        token = model.objects.select_related("user__person").get(key=key)
    except model.DoesNotExist:
        return None
    permissions.active_grants(token.user)  # read now, so that they are kept with the token's user
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token sign-in, with the user's person read in the same query (an intake by a resident's token
    names its reporter, a list masks contacts by the person) and the user's grants with it — and, where the
    cache is shared by every worker, all of it from the cache, as ``accounts.backends.AccountBackend`` does
    for a session: a deleted token, a deactivated account or a revoked grant counts on the next request."""

    def authenticate_credentials(self, key):
        from yishi.accounts.backends import identity_models

        model = self.get_model()
        token = caching.remembered(
            "api-token",
            [hashlib.sha256(key.encode()).hexdigest()],  # not the secret itself in the cache's key names
            [model, *identity_models()],
            lambda: _read_token(model, key),
            exact=True,
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("接口令牌无效。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用。"))
        return token.user, token
