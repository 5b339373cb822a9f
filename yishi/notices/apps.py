"""公示栏: The notice board."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "yishi.notices"
    label = "notices"
    verbose_name = _("公示栏")
