"""意见与调研: Opinions on any subject and their research."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "yishi.opinions"
    label = "opinions"
    verbose_name = _("意见与调研")

    def ready(self):
        from yishi.audit.labels import register_verb_labels

        register_verb_labels({"opinion.submit": _("提交意见"), "opinion.research": _("意见调研")})
