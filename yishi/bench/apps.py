"""压测: City-scale synthetic data and the `yishi bench` measurements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    name = "yishi.bench"
    label = "bench"
    verbose_name = _("压测")
