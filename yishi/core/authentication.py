"""API sign-in. A module of its own: DRF imports its authentication classes while ``rest_framework.views``
is still loading, so this one must not import the views (``core.api`` does)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token sign-in, with the user's person read in the same query: an intake by a resident's token
    names its reporter, and a list masks contacts by the person (one query less per request)."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__person").get(key=key)
        except model.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("接口令牌无效。")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用。"))
        return token.user, token
