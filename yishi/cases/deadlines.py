"""The default deadlines of the case steps.

Admins change them, and add per-category ones, as ``workdays.DeadlineRule`` rows (process ``cases``); the
rows for these defaults are created by migration ``0002_default_deadlines``. Should a default row be deleted,
the step still gets the deadline below instead of intake failing.
"""

from yishi.workdays.models import DeadlineRule, DeadlineUnit
from yishi.workdays.selectors import DeadlineRuleMissing, deadline_rule_for

PROCESS = "cases"

# step: (amount, unit, near_due_hours, note)
DEFAULTS = {
    "accept": (1, DeadlineUnit.WORKING_DAYS, 4, "受理：提交后1个工作日内"),
    "first_contact": (2, DeadlineUnit.WORKING_DAYS, 8, "首次联系反映人（响应）：受理后2个工作日内"),
    "acknowledge": (4, DeadlineUnit.WORKING_HOURS, 2, "吹哨后部门报到：4个工作小时内"),
    "resolve": (10, DeadlineUnit.WORKING_DAYS, 24, "办结：受理后10个工作日内"),
    "reply": (2, DeadlineUnit.WORKING_DAYS, 8, "答复：办结后2个工作日内"),
}


def default_rule(step: str) -> DeadlineRule:
    amount, unit, near, note = DEFAULTS[step]
    return DeadlineRule(process=PROCESS, step=step, amount=amount, unit=unit, near_due_hours=near, note=note)


def rule_for(step: str, category_key: str) -> DeadlineRule:
    """The configured rule of ``step`` for the category (or the step's configured default), else the default
    above."""
    try:
        return deadline_rule_for(process=PROCESS, step=step, category_key=category_key)
    except DeadlineRuleMissing:
        return default_rule(step)
