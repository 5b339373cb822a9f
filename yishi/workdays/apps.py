"""工作日历: Working days on the Chinese calendar and deadline rules."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "yishi.workdays"
    label = "workdays"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from yishi.core import caching

        from .models import DeadlineRule

        caching.watch(DeadlineRule)  # rules are read from the cache (``selectors.deadline_rule_for``)
