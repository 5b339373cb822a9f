"""人员与账号: People, accounts and role grants."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yishi.accounts"
    label = "accounts"
    verbose_name = _("人员与账号")
