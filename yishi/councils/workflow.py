"""States and transitions of a council topic (议题), declared once, as data. See ``councils.services``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("已提议待审查")
    REFUSED = "refused", _("不予议事")
    PASSED_UP = "passed_up", _("超出范围已报上级")
    ACCEPTED = "accepted", _("已立项待公示")
    PUBLISHED = "published", _("公示征求意见中")
    READY = "ready", _("待上会")
    ON_AGENDA = "on_agenda", _("已列入议程")
    PASSED = "passed", _("表决通过")
    REJECTED = "rejected", _("表决未通过")
    IN_FOLLOWUP = "in_followup", _("落实中")
    ESCALATED = "escalated", _("已报请上级解决")
    DONE = "done", _("已办结")


class TopicAction(models.TextChoices):
    ACCEPT = "accept", _("审查通过立项")
    REFUSE = "refuse", _("不予议事")
    PASS_UP = "pass_up", _("报上级")
    PUBLISH = "publish", _("公示征求意见")
    CLOSE_OPINIONS = "close_opinions", _("结束征求意见")
    SCHEDULE = "schedule", _("列入会议议程")
    RECORD_VOTE = "record_vote", _("记录表决结果")
    START_FOLLOWUP = "start_followup", _("启动落实")
    ESCALATE = "escalate", _("报请上级解决")
    ANSWER = "answer", _("记录上级答复")
    COMPLETE = "complete", _("办结并公示结果")


T = TopicStatus
A = TopicAction
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    A.ACCEPT: (frozenset({T.PROPOSED}), T.ACCEPTED),
    A.REFUSE: (frozenset({T.PROPOSED}), T.REFUSED),
    A.PASS_UP: (frozenset({T.PROPOSED}), T.PASSED_UP),
    A.PUBLISH: (frozenset({T.ACCEPTED}), T.PUBLISHED),
    A.CLOSE_OPINIONS: (frozenset({T.PUBLISHED}), T.READY),
    # ON_AGENDA → ON_AGENDA: only when the meeting of its agenda item was cancelled, or held without a closed
    # vote on the item (guarded in ``services.topic_put_on_agenda``) — a topic never gets stuck on a dead agenda.
    A.SCHEDULE: (frozenset({T.READY, T.ON_AGENDA}), T.ON_AGENDA),
    A.RECORD_VOTE: (frozenset({T.ON_AGENDA}), T.PASSED),  # or REJECTED, by the vote's result
    A.START_FOLLOWUP: (frozenset({T.PASSED}), T.IN_FOLLOWUP),
    A.ESCALATE: (frozenset({T.PASSED}), T.ESCALATED),
    A.ANSWER: (frozenset({T.ESCALATED}), T.DONE),
    A.COMPLETE: (frozenset({T.IN_FOLLOWUP}), T.DONE),
}


class TransitionNotAllowed(Exception):
    pass


def check_transition(status: str, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise TransitionNotAllowed(f"{action} is not allowed from {status}")
    return target


def allowed_actions(status: str) -> set[str]:
    return {action for action, (sources, _t) in TRANSITIONS.items() if status in sources}
