"""智能派单: the routing of a case's text to its category (and, through the category's routes, its unit)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "yishi.routing"
    label = "routing"
    verbose_name = _("智能派单")

    def ready(self) -> None:
        from yishi.audit.labels import register_verb_labels
        from yishi.core import caching

        from .models import RoutingModel, RoutingSettings

        # Read at every intake from the cache: the live model's row and the settings.
        for model in (RoutingModel, RoutingSettings):
            caching.watch(model)

        register_verb_labels(
            {
                "case.recategorize": _("修改类别"),
                "routing.train": _("训练派单模型"),
                "routing.promote": _("派单模型上线"),
                "routing.keep": _("派单模型未上线（劣于当前模型）"),
                "routing.settings": _("修改派单设置"),
            }
        )
