"""党员民情议事会: The community deliberation council (P2)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "yishi.councils"
    label = "councils"
    verbose_name = _("党员民情议事会")
