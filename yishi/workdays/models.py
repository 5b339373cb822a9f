"""工作日历与办理时限: deadline rules per process step, counted on the Chinese working-day calendar."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import calendar


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    WORKING_HOURS = "working_hours", _("工作小时")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class DeadlineRule(models.Model):
    """办理时限: how long one step of a process may take, configurable per process step and category.

    ``process`` and ``step`` name the step (e.g. ``cases`` / ``accept``); ``category_key`` narrows the rule to
    one category, and a blank ``category_key`` is the step's default rule, used for every category without its
    own. There is at most one rule per (process, step, category_key). Work becomes near due
    ``near_due_hours`` before its deadline.
    """

    process = models.CharField(_("流程"), max_length=50)
    step = models.CharField(_("环节"), max_length=50)
    category_key = models.CharField(
        _("类别"), max_length=100, blank=True, default="", help_text=_("留空表示该环节的默认时限。")
    )
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(
        _("单位"), max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    near_due_hours = models.PositiveIntegerField(_("临期提醒（小时）"), default=24)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["process", "step", "category_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "step", "category_key"], name="deadline_rule_unique_step"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deadline_rule_amount_positive"),
        ]

    def __str__(self) -> str:
        label = f"{self.process}/{self.step}"
        if self.category_key:
            label += f"/{self.category_key}"
        return f"{label}: {self.amount} {self.get_unit_display()}"

    def due(self, start: dt.datetime) -> dt.datetime:
        """The deadline of work started at ``start`` (an aware datetime) under this rule."""
        if self.unit == DeadlineUnit.WORKING_DAYS:
            return calendar.add_working_days(start, self.amount)
        if self.unit == DeadlineUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, self.amount)
        return start + dt.timedelta(days=self.amount)

    def near_due_at(self, due: dt.datetime) -> dt.datetime:
        """From when work with deadline ``due`` counts as near due."""
        return due - dt.timedelta(hours=self.near_due_hours)


class CalendarDay(models.Model):
    """调休与节假日: a day whose status an admin sets by hand — for a year the calendar library does not know
    yet (the State Council publishes next year's arrangement late in the year), or a local holiday.

    A row wins over the library; ``is_working_day`` False is a day off, True a (make-up) working day.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=60, help_text=_("如：春节、国庆节调休上班"))

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendar.forget_overrides()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        calendar.forget_overrides()
        return result
