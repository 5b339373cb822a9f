"""通知: In-app inbox, e-mail and SMS."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "yishi.notifications"
    label = "notifications"
    verbose_name = _("通知")
