"""States of a meeting and what may be done in each, declared once, as data.

A meeting is planned, starts (in session), and is recorded as held with its minutes — or is cancelled. The
joint meetings of the case process are recorded straight from ``planned`` (they have no votes). Votes open only
while the meeting is in session. The tests walk every (status, action) pair against this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import MeetingStatus


class MeetingAction(models.TextChoices):
    START = "start", _("开始会议")
    CANCEL = "cancel", _("取消会议")
    OPEN_VOTE = "open_vote", _("开始表决")
    RECORD = "record", _("记录纪要")
    INVITE = "invite", _("邀请参会")
    ADD_AGENDA = "add_agenda", _("增加议程")
    SIGN_IN = "sign_in", _("签到")


_PREPARING = {MeetingAction.INVITE, MeetingAction.ADD_AGENDA, MeetingAction.SIGN_IN}

# status -> {action: the status it leads to}
TRANSITIONS: dict[str, dict[str, str]] = {
    MeetingStatus.PLANNED: {
        MeetingAction.START: MeetingStatus.IN_SESSION,
        MeetingAction.CANCEL: MeetingStatus.CANCELLED,
        MeetingAction.RECORD: MeetingStatus.HELD,
        **{a: MeetingStatus.PLANNED for a in _PREPARING},
    },
    MeetingStatus.IN_SESSION: {
        MeetingAction.CANCEL: MeetingStatus.CANCELLED,
        MeetingAction.RECORD: MeetingStatus.HELD,
        MeetingAction.OPEN_VOTE: MeetingStatus.IN_SESSION,
        **{a: MeetingStatus.IN_SESSION for a in _PREPARING},
    },
    MeetingStatus.HELD: {},
    MeetingStatus.CANCELLED: {},
}


def allowed(status: str, action: str) -> bool:
    """Whether ``action`` may be taken on a meeting in ``status``."""
    return action in TRANSITIONS.get(status, {})
