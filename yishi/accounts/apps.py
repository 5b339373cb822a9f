"""人员与账号: People, accounts and role grants."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yishi.accounts"
    label = "accounts"
    verbose_name = _("人员与账号")

    def ready(self) -> None:
        from rest_framework.authtoken.models import Token

        from yishi.core import caching

        from .backends import identity_models

        # The signed-in user (backends.AccountBackend) and an API token's user (core.authentication) are read
        # from the shared cache: any change to what they are read from makes the entries misses.
        for model in (*identity_models(), Token):
            caching.watch(model)
