"""演示数据: Demo data reproducing the seed stories."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "yishi.demo"
    label = "demo"
    verbose_name = _("演示数据")
