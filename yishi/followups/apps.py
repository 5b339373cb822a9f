"""落实跟踪: Follow-up items: owner, deadline, progress, targets and actuals."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "yishi.followups"
    label = "followups"
    verbose_name = _("落实跟踪")
