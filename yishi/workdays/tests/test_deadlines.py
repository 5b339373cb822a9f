"""Deadline rules: one per process step and category, the step's default as the fallback."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from yishi.workdays.models import DeadlineRule, DeadlineUnit
from yishi.workdays.selectors import DeadlineRuleMissing, deadline_for, deadline_rule_for

CST = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 9, 30, 10, 0, tzinfo=CST)


@pytest.fixture
def rules(db):
    default = DeadlineRule.objects.create(
        process="mediation", step="resolve", amount=5, unit=DeadlineUnit.WORKING_DAYS
    )
    heating = DeadlineRule.objects.create(
        process="mediation", step="resolve", category_key="heating", amount=8, unit=DeadlineUnit.WORKING_HOURS
    )
    DeadlineRule.objects.create(
        process="mediation", step="evaluate", amount=10, unit=DeadlineUnit.CALENDAR_DAYS
    )
    return default, heating


def test_default_rule_applies_to_categories_without_their_own(rules):
    default, _heating = rules
    assert deadline_rule_for(process="mediation", step="resolve", category_key="noise") == default
    # 5 working days after 09-30: 10-08, 09, 10 (Sat make-up), 12, 13.
    assert deadline_for(
        process="mediation", step="resolve", start=START, category_key="noise"
    ) == dt.datetime(2026, 10, 13, 10, 0, tzinfo=CST)
    assert deadline_for(process="mediation", step="resolve", start=START) == dt.datetime(
        2026, 10, 13, 10, 0, tzinfo=CST
    )


def test_category_rule_wins_over_default(rules):
    # 8 working hours from 09-30 10:00: 2 h + 4 h that day, 2 h on 10-08 → 11:00.
    assert deadline_for(
        process="mediation", step="resolve", start=START, category_key="heating"
    ) == dt.datetime(2026, 10, 8, 11, 0, tzinfo=CST)


def test_calendar_days_ignore_holidays(rules):
    assert deadline_for(process="mediation", step="evaluate", start=START) == dt.datetime(
        2026, 10, 10, 10, 0, tzinfo=CST
    )


def test_missing_rule_is_a_clear_error(rules):
    with pytest.raises(DeadlineRuleMissing, match="accept"):
        deadline_for(process="mediation", step="accept", start=START)
    with pytest.raises(DeadlineRuleMissing):
        deadline_for(process="councils", step="resolve", start=START, category_key="heating")


def test_one_rule_per_step_and_category(rules):
    with pytest.raises(IntegrityError):
        DeadlineRule.objects.create(process="mediation", step="resolve", category_key="heating", amount=3)


def test_near_due(rules):
    default, _ = rules
    due = default.due(START)
    assert default.near_due_at(due) == due - dt.timedelta(hours=24)


def test_a_rule_changed_or_added_applies_at_once(rules):
    """Rules are read from the cache; an admin's edit (a save) or a new category rule is seen by the next
    step opened, not after the cache's timeout."""
    default, heating = rules
    assert deadline_rule_for(process="mediation", step="resolve", category_key="noise").amount == 5
    default.amount = 3
    default.save()
    assert deadline_rule_for(process="mediation", step="resolve", category_key="noise").amount == 3
    DeadlineRule.objects.create(
        process="mediation", step="resolve", category_key="noise", amount=2, unit=DeadlineUnit.CALENDAR_DAYS
    )
    assert deadline_rule_for(process="mediation", step="resolve", category_key="noise").amount == 2
    heating.delete()
    assert deadline_rule_for(process="mediation", step="resolve", category_key="heating").amount == 3
