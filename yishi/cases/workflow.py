"""States and transitions of a case, declared once, as data.

Every service that changes a case's status names one ``Action`` here; ``check_transition`` refuses an action
whose source state is not listed, and ``ACTION_ROLES`` says which roles may take it (scope is checked by the
service against the case's current handling area or unit). The test suite walks every (state, action) pair and
every role against this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理待分办")
    IN_POOL = "in_pool", _("待部门认领")
    ASSIGNED = "assigned", _("已派单办理中")
    WHISTLED = "whistled", _("吹哨报到办理中")
    HANDLING = "handling", _("社区办理中")
    IN_COUNCIL = "in_council", _("转议事会")
    IN_MEDIATION = "in_mediation", _("转调解")
    SUGGESTED = "suggested", _("转意见建议")
    RESOLVED = "resolved", _("已办结待答复")
    REPLIED = "replied", _("已答复待评价")
    SUPERVISED = "supervised", _("督办中")
    CLOSED = "closed", _("已办结归档")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(Status.values) - {Status.CLOSED, Status.REJECTED, Status.MERGED}
# Statuses in which somebody is working on the matter itself (the resolve clock runs).
HANDLING_STATUSES = frozenset(
    {
        Status.ASSIGNED,
        Status.WHISTLED,
        Status.HANDLING,
        Status.IN_COUNCIL,
        Status.IN_MEDIATION,
        Status.SUGGESTED,
    }
)


class Action(models.TextChoices):
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    MERGE = "merge", _("合并")
    HANDLE_SELF = "handle_self", _("社区自办")
    JOINT = "joint", _("五方协商联合办")
    ASSIGN = "assign", _("派单")
    POOL = "pool", _("放入认领池")
    CLAIM = "claim", _("部门认领")
    WHISTLE = "whistle", _("街道吹哨")
    REFER_COUNCIL = "refer_council", _("转议事会")
    REFER_MEDIATION = "refer_mediation", _("转调解")
    SUGGEST = "suggest", _("转意见建议")
    ESCALATE = "escalate", _("上报上级")
    RETURN = "return", _("退单")
    RESOLVE = "resolve", _("办结")
    PARTS_DONE = "parts_done", _("各部门分工完成办结")
    REPLY = "reply", _("答复")
    RATE = "rate", _("评价")
    REOPEN = "reopen", _("重办")
    SUPERVISE = "supervise", _("转督办")
    CLOSE_UNRATED = "close_unrated", _("逾期未评价归档")
    CLOSE = "close", _("督办归档")


S = Status
# action -> (source states, target state). Escalation returns the case to "accepted" at the level above.
# Rating is one service whose value picks RATE (满意/基本满意), REOPEN (first 不满意) or SUPERVISE (second).
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    Action.ACCEPT: (frozenset({S.SUBMITTED}), S.ACCEPTED),
    Action.REJECT: (frozenset({S.SUBMITTED}), S.REJECTED),
    Action.MERGE: (frozenset({S.SUBMITTED, S.ACCEPTED}), S.MERGED),
    Action.HANDLE_SELF: (frozenset({S.ACCEPTED}), S.HANDLING),
    Action.JOINT: (frozenset({S.ACCEPTED}), S.HANDLING),
    Action.ASSIGN: (frozenset({S.ACCEPTED, S.IN_POOL}), S.ASSIGNED),
    Action.POOL: (frozenset({S.ACCEPTED}), S.IN_POOL),
    Action.CLAIM: (frozenset({S.IN_POOL}), S.ASSIGNED),
    Action.WHISTLE: (frozenset({S.ACCEPTED}), S.WHISTLED),
    Action.REFER_COUNCIL: (frozenset({S.ACCEPTED}), S.IN_COUNCIL),
    Action.REFER_MEDIATION: (frozenset({S.ACCEPTED}), S.IN_MEDIATION),
    Action.SUGGEST: (frozenset({S.ACCEPTED}), S.SUGGESTED),
    Action.ESCALATE: (frozenset({S.ACCEPTED, S.IN_POOL, S.HANDLING, S.WHISTLED, S.SUPERVISED}), S.ACCEPTED),
    Action.RETURN: (frozenset({S.ASSIGNED}), S.ACCEPTED),
    Action.RESOLVE: (frozenset(HANDLING_STATUSES - {S.WHISTLED}), S.RESOLVED),
    Action.PARTS_DONE: (frozenset({S.WHISTLED}), S.RESOLVED),
    Action.REPLY: (frozenset({S.RESOLVED}), S.REPLIED),
    Action.RATE: (frozenset({S.REPLIED}), S.CLOSED),
    Action.REOPEN: (frozenset({S.REPLIED}), S.ACCEPTED),
    Action.SUPERVISE: (frozenset({S.REPLIED}), S.SUPERVISED),
    Action.CLOSE_UNRATED: (frozenset({S.REPLIED}), S.CLOSED),
    Action.CLOSE: (frozenset({S.SUPERVISED}), S.CLOSED),
}

DISPATCHERS = frozenset({"community_staff", "party_secretary", "street_staff", "admin"})
ACTION_ROLES: dict[str, frozenset[str]] = {
    Action.ACCEPT: DISPATCHERS,
    Action.REJECT: DISPATCHERS,
    Action.MERGE: DISPATCHERS,
    Action.HANDLE_SELF: DISPATCHERS,
    Action.JOINT: DISPATCHERS,
    Action.ASSIGN: DISPATCHERS,
    Action.POOL: DISPATCHERS,
    Action.CLAIM: frozenset({"department_staff"}),
    Action.WHISTLE: frozenset({"street_staff", "admin"}),
    Action.REFER_COUNCIL: DISPATCHERS,
    Action.REFER_MEDIATION: DISPATCHERS,
    Action.SUGGEST: DISPATCHERS | {"deputy"},
    Action.ESCALATE: DISPATCHERS,
    Action.RETURN: frozenset({"department_staff"}),
    Action.RESOLVE: DISPATCHERS | {"department_staff"},
    Action.PARTS_DONE: frozenset({"department_staff"}),
    Action.REPLY: DISPATCHERS | {"department_staff"},
    Action.RATE: frozenset({"reporter"}),
    Action.REOPEN: frozenset({"reporter"}),
    Action.SUPERVISE: frozenset({"reporter"}),
    Action.CLOSE_UNRATED: frozenset({"system"}),
    Action.CLOSE: frozenset({"auditor", "street_staff", "admin"}),
}


class TransitionNotAllowed(Exception):
    """The case is not in a state from which ``action`` may be taken."""


def allowed_actions(status: str) -> set[str]:
    return {action for action, (sources, _target) in TRANSITIONS.items() if status in sources}


def check_transition(status: str, action: str) -> str:
    """Return the target status of ``action`` from ``status``, or raise ``TransitionNotAllowed``."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise TransitionNotAllowed(f"{action} is not allowed from {status}")
    return target
