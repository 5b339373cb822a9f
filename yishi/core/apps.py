"""核心: Shared shell: portal, home, masking, permissions helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yishi.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from yishi.core.permissions import register_rules

        register_rules()
