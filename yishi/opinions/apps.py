"""意见与调研: Opinions on any subject and their research."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "yishi.opinions"
    label = "opinions"
    verbose_name = _("意见与调研")
