"""民情诉求: cases through 听·办·回·评 (listen, handle, reply, evaluate)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yishi.cases"
    label = "cases"
    verbose_name = _("民情诉求")
