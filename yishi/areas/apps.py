"""区域与单位: The area tree and the units located in it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "yishi.areas"
    label = "areas"
    verbose_name = _("区域与单位")
