"""Reads of deadline rules: which rule applies to a step, and the deadline it gives."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yishi.core import caching

from .models import DeadlineRule


class DeadlineRuleMissing(LookupError):
    """No rule is configured for the step, neither for the category nor as the step's default."""


def deadline_rule_for(*, process: str, step: str, category_key: str = "") -> DeadlineRule:
    """The rule for this category of the step, else the step's default rule (blank ``category_key``). From
    the cache: every intake and transition opens a step (an admin's change to a rule drops the entry)."""

    def read():
        keys = {category_key, ""}
        found = {
            r.category_key: r
            for r in DeadlineRule.objects.filter(process=process, step=step, category_key__in=keys)
        }
        return found.get(category_key) or found.get("")

    rule = caching.remembered("deadline-rule", (process, step, category_key), [DeadlineRule], read)
    if rule is None:
        raise DeadlineRuleMissing(
            f"no deadline rule for process={process!r} step={step!r} (category {category_key!r} nor default); "
            "add one under 办理时限 in the admin"
        )
    return rule


def deadline_for(*, process: str, step: str, start: dt.datetime, category_key: str = "") -> dt.datetime:
    """Deadline of the step started at ``start`` (aware), by the category's rule or the step's default."""
    if timezone.is_naive(start):
        raise ValueError("start must be an aware datetime")
    rule = deadline_rule_for(process=process, step=step, category_key=category_key)
    return rule.due(start)
