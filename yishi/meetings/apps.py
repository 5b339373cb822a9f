"""会议: the one meeting model for councils, forums, joint case handling, bargaining rounds …"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "yishi.meetings"
    label = "meetings"
    verbose_name = _("会议")

    def ready(self) -> None:
        from yishi.audit.labels import register_verb_labels

        register_verb_labels(
            {
                "meeting.invite": _("邀请参会"),
                "meeting.add_agenda": _("增加议程"),
                "meeting.start": _("开始会议"),
                "meeting.cancel": _("取消会议"),
                "meeting.sign_in": _("会议签到"),
                "vote.open": _("开始表决"),
                "vote.cast": _("投票"),
                "vote.close": _("结束表决"),
            }
        )
