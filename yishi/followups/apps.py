"""落实跟踪: Follow-up items: owner, deadline, progress, targets and actuals."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "yishi.followups"
    label = "followups"
    verbose_name = _("落实跟踪")

    def ready(self):
        from yishi.audit.labels import register_verb_labels

        register_verb_labels(
            {
                "followup.create": _("新建落实事项"),
                "followup.report": _("报告进展"),
                "followup.rollup": _("汇总进度"),
                "followup.cancel": _("撤销事项"),
                "followup.volunteer": _("志愿者报名"),
                "followup.overdue": _("超期督办"),
            }
        )
