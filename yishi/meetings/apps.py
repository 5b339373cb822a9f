"""会议: the one meeting model for councils, forums, joint case handling, bargaining rounds …"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "yishi.meetings"
    label = "meetings"
    verbose_name = _("会议")
