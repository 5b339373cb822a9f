"""Writes of 落实跟踪: create an item, report progress with evidence, cancel, volunteer, supervise overdue items.

One function per change of state; the states and actions are declared in ``workflow``. A parent's progress
and status are rolled up from its children after every change below it, so nobody edits them by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit
from yishi.attachments.services import attachment_add, attachment_check
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.services import require, snapshot
from yishi.workdays.calendar import CalendarRangeError, add_working_days

from . import rules
from .models import OPEN_STATUSES, FollowUp, FollowUpStatus, ProgressUpdate, Volunteer
from .workflow import FollowUpAction, allowed

FOLLOWUP_FIELDS = [
    "area",
    "parent",
    "title",
    "owner_unit",
    "owner_person",
    "started_on",
    "deadline",
    "status",
    "progress",
    "measure",
    "target_value",
    "actual_value",
]
TITLE_MAX = 200
NOTE_MAX = 2000
MAX_WORKING_DAYS = 1000


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_figure(value, field: str, errors: dict) -> None:
    if value is not None and Decimal(value) < 0:
        errors[field] = _("数值不能为负数。")


@transaction.atomic
def followup_create(
    *,
    actor,
    area: Area,
    title: str,
    subject=None,
    parent: FollowUp | None = None,
    owner_unit: Unit | None = None,
    owner_person: Person | None = None,
    started_on: dt.date | None = None,
    deadline: dt.date | None = None,
    working_days: int | None = None,
    measure: str = "",
    target_value=None,
) -> FollowUp:
    """New follow-up item on ``area`` (needs ``followups.change_followup`` there; out of scope => 404).

    The owner — a unit or a person — is required. The deadline is either a date or ``working_days`` counted
    from ``started_on`` (default today) on the working-day calendar, not both. A target figure needs its
    measure (㎡, 个, 米 …). A child item (``parent``) takes its parent's subject, cannot be added under a done
    or cancelled item, and the parent's progress is rolled up again. The owner's accounts are notified.
    """
    require(actor, permissions.CHANGE_FOLLOWUP, area)
    if subject is not None:
        if getattr(subject, "scope_path", None) is None:
            raise ValidationError({"subject": _("这个记录不能跟踪落实。")})
        require(actor, permissions.CHANGE_FOLLOWUP, subject)
    if parent is not None:
        require(actor, permissions.CHANGE_FOLLOWUP, parent)
        parent = FollowUp.objects.select_for_update().get(pk=parent.pk)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    measure = (measure or "").strip()
    if not title:
        errors["title"] = _("请填写事项。")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("事项不能超过%(max)d个字。") % {"max": TITLE_MAX}
    if owner_unit is None and owner_person is None:
        errors["owner_unit"] = _("请指定责任单位或责任人。")
    if parent is not None and parent.status not in OPEN_STATUSES:
        errors["parent"] = _("上级事项已完成或已撤销，不能再添加下级事项。")
    started_on = started_on or timezone.localdate()
    if working_days is not None and deadline is not None:
        errors["deadline"] = _("完成期限和工作日天数只能填写一项。")
    elif working_days is not None:
        if working_days < 1 or working_days > MAX_WORKING_DAYS:
            errors["working_days"] = _("工作日天数须在1到%(max)d之间。") % {"max": MAX_WORKING_DAYS}
        else:
            try:
                deadline = add_working_days(started_on, working_days)
            except CalendarRangeError as exc:
                errors["working_days"] = str(exc)
    elif deadline is None:
        errors["deadline"] = _("请填写完成期限或工作日天数。")
    if deadline is not None and deadline < started_on and "deadline" not in errors:
        errors["deadline"] = _("完成期限不能早于开始日期。")
    if len(measure) > 16:
        errors["measure"] = _("计量单位不能超过16个字。")
    if target_value is not None and not measure:
        errors["measure"] = _("填写目标值时请填写计量单位（如 ㎡、个、米）。")
    _check_figure(target_value, "target_value", errors)
    if errors:
        raise ValidationError(errors)
    if parent is not None and subject is None and parent.subject_type_id:
        subject_type, subject_id = parent.subject_type, parent.subject_id
    elif subject is not None:
        subject_type, subject_id = ContentType.objects.get_for_model(subject), str(subject.pk)
    else:
        subject_type, subject_id = None, ""
    followup = FollowUp.objects.create(
        subject_type=subject_type,
        subject_id=subject_id,
        area=area,
        parent=parent,
        title=title,
        owner_unit=owner_unit,
        owner_person=owner_person,
        started_on=started_on,
        deadline=deadline,
        measure=measure,
        target_value=target_value,
        created_by=_user(actor),
    )
    audit_record(actor=actor, obj=followup, verb="followup.create", after=snapshot(followup, FOLLOWUP_FIELDS))
    if parent is not None:
        _roll_up(parent.pk, actor=actor)
    transaction.on_commit(lambda: _notify_owner(followup.pk))
    return followup


def _roll_up(parent_id: int | None, *, actor) -> None:
    """Recompute each ancestor's progress (mean of its live children) and status, bottom up; locks each row.

    Cancelled children do not count; a parent whose live children are all done is done. A cancelled or
    done parent is left alone.
    """
    while parent_id:
        parent = FollowUp.objects.select_for_update(of=("self",)).select_related("area").get(pk=parent_id)
        if parent.status not in OPEN_STATUSES:
            return
        rows = list(
            FollowUp.objects.filter(parent_id=parent.pk)
            .exclude(status=FollowUpStatus.CANCELLED)
            .values_list("progress", "status")
        )
        if not rows:
            return
        progress = sum(p for p, _s in rows) // len(rows)
        if all(s == FollowUpStatus.DONE for _p, s in rows):
            status, progress = FollowUpStatus.DONE, 100
        elif progress > 0 or any(s != FollowUpStatus.PLANNED for _p, s in rows):
            status = FollowUpStatus.IN_PROGRESS
        else:
            status = FollowUpStatus.PLANNED
        if (progress, status) != (parent.progress, parent.status):
            before = {"progress": parent.progress, "status": parent.status}
            parent.progress, parent.status = progress, status
            parent.done_at = timezone.now() if status == FollowUpStatus.DONE else None
            parent.save(update_fields=["progress", "status", "done_at"])
            audit_record(
                actor=actor,
                obj=parent,
                verb="followup.rollup",
                before=before,
                after={"progress": progress, "status": status},
            )
        parent_id = parent.parent_id


@transaction.atomic
def followup_report(
    *,
    actor,
    followup: FollowUp,
    progress,
    note: str,
    actual_value=None,
    files=(),
    feedback: str | None = None,
) -> ProgressUpdate:
    """报告进展: progress (0–100 %), a note, optionally the actual figure so far, feedback and evidence files.

    Staff who manage follow-ups in the area, or the item's owner, may report (others: 404/403). Only open
    items take reports, and only items without children (a parent's progress is rolled up from them).
    The first report starts the item; 100 % finishes it. Evidence files are checked before anything is
    saved and attached to the update. The item's row is locked; its ancestors are rolled up afterwards.
    """
    if not rules.may_report(actor, followup):
        require(actor, permissions.CHANGE_FOLLOWUP, followup)
    followup = FollowUp.objects.select_for_update(of=("self",)).select_related("area").get(pk=followup.pk)
    errors: dict[str, str] = {}
    if not allowed(followup.status, FollowUpAction.REPORT):
        raise ValidationError({"status": _("该事项已完成或已撤销，不能再报告进展。")})
    if FollowUp.objects.filter(parent_id=followup.pk).exists():
        raise ValidationError({"progress": _("此事项的进度由下级事项汇总，请在下级事项中报告进展。")})
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        errors["progress"] = _("请填写0到100之间的进度。")
    else:
        if not 0 <= progress <= 100:
            errors["progress"] = _("请填写0到100之间的进度。")
    note = (note or "").strip()
    if not note:
        errors["note"] = _("请填写进展说明。")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("进展说明不能超过%(max)d个字。") % {"max": NOTE_MAX}
    _check_figure(actual_value, "actual_value", errors)
    files = [f for f in (files or ()) if f]
    for uploaded in files:
        try:
            attachment_check(uploaded)
        except ValidationError as exc:
            errors["files"] = exc.message_dict.get("file", exc.messages)[0]
            break
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    before = snapshot(followup, ["status", "progress", "actual_value"])
    update = ProgressUpdate.objects.create(
        followup=followup,
        progress=progress,
        actual_value=actual_value,
        note=note,
        reported_by=actor,
        reported_at=now,
    )
    for uploaded in files:
        # The reporter's right to add evidence was checked above (staff or owner).
        attachment_add(actor=actor, obj=update, uploaded_file=uploaded, trusted=True)
    fields = ["progress", "status"]
    followup.progress = progress
    if actual_value is not None:
        followup.actual_value = actual_value
        fields.append("actual_value")
    if feedback is not None and feedback.strip():
        followup.feedback = feedback.strip()
        fields.append("feedback")
    if progress == 100:
        followup.status = FollowUpStatus.DONE
        followup.done_at = now
        fields.append("done_at")
    else:
        followup.status = FollowUpStatus.IN_PROGRESS
    followup.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=followup,
        verb="followup.report",
        before=before,
        after=snapshot(followup, ["status", "progress", "actual_value"]),
        note=note[:500],
    )
    _roll_up(followup.parent_id, actor=actor)
    return update


@transaction.atomic
def followup_cancel(*, actor, followup: FollowUp, reason: str) -> FollowUp:
    """撤销: take an open item (and its open children) off the list, with a reason; staff only.

    The parent's progress is rolled up again without it.
    """
    require(actor, permissions.CHANGE_FOLLOWUP, followup)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("撤销原因不能超过500个字。")})
    followup = FollowUp.objects.select_for_update(of=("self",)).select_related("area").get(pk=followup.pk)
    if not allowed(followup.status, FollowUpAction.CANCEL):
        raise ValidationError({"status": _("该事项已完成或已撤销，不能撤销。")})
    _cancel_tree(followup, actor=actor, reason=reason)
    _roll_up(followup.parent_id, actor=actor)
    return followup


def _cancel_tree(followup: FollowUp, *, actor, reason: str) -> None:
    before = {"status": followup.status}
    followup.status = FollowUpStatus.CANCELLED
    followup.cancel_reason = reason
    followup.save(update_fields=["status", "cancel_reason"])
    audit_record(
        actor=actor,
        obj=followup,
        verb="followup.cancel",
        before=before,
        after={"status": followup.status},
        note=reason,
    )
    children = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(parent_id=followup.pk, status__in=OPEN_STATUSES)
    )
    for child in children:
        _cancel_tree(child, actor=actor, reason=reason)


@transaction.atomic
def volunteer_signup(*, actor, followup: FollowUp, note: str = "") -> Volunteer:
    """志愿者报名: a person in the item's area signs up to help with an open item, once."""
    require(actor, permissions.ADD_VOLUNTEER, followup)
    person = getattr(actor, "person", None)
    if person is None:
        raise ValidationError({"person": _("您的账号没有关联人员信息，不能报名。")})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("备注不能超过200个字。")})
    followup = FollowUp.objects.select_for_update(of=("self",)).select_related("area").get(pk=followup.pk)
    if followup.status not in OPEN_STATUSES:
        raise ValidationError({"followup": _("该事项已完成或已撤销，不再招募志愿者。")})
    if Volunteer.objects.filter(followup=followup, person=person).exists():
        raise ValidationError({"followup": _("您已经报名了这个事项。")})
    volunteer = Volunteer.objects.create(followup=followup, person=person, note=note)
    audit_record(actor=actor, obj=followup, verb="followup.volunteer", after={"person": person.pk})
    return volunteer


def supervise_overdue_followups(*, now: dt.datetime | None = None) -> int:
    """督办: flag every open item past its deadline that is not flagged yet, and notify its supervisors
    (auditors and street staff above it), its owner and its creator. Idempotent: an item is flagged once
    (``supervised_at``). Returns the number of items flagged.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    due = FollowUp.objects.filter(
        status__in=OPEN_STATUSES, supervised_at__isnull=True, deadline__lt=today
    ).values_list("pk", flat=True)
    flagged = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            followup = FollowUp.objects.select_for_update(of=("self",)).select_related("area").get(pk=pk)
            if followup.supervised_at is not None or followup.status not in OPEN_STATUSES:
                continue
            followup.supervised_at = now
            followup.save(update_fields=["supervised_at"])
            audit_record(
                actor=None, obj=followup, verb="followup.overdue", after={"deadline": followup.deadline}
            )
            transaction.on_commit(lambda pk=pk: _notify_overdue(pk))
            flagged += 1
    return flagged


def _url(followup_pk: int) -> str:
    from django.urls import reverse

    return reverse("followups:detail", args=[followup_pk])


def _notify_owner(followup_pk: int) -> None:
    from yishi.notifications.services import notify

    followup = FollowUp.objects.select_related("area").get(pk=followup_pk)
    notify(
        recipients=rules.owner_users(followup),
        title=_("新的落实事项：%(title)s") % {"title": followup.title},
        body=_("完成期限：%(deadline)s") % {"deadline": followup.deadline.isoformat()},
        url=_url(followup.pk),
        verb="followup.create",
    )


def _notify_overdue(followup_pk: int) -> None:
    from yishi.notifications.services import notify

    followup = FollowUp.objects.select_related("area", "created_by").get(pk=followup_pk)
    recipients = rules.supervisors_of(followup) + rules.owner_users(followup)
    if followup.created_by_id:
        recipients.append(followup.created_by)
    notify(
        recipients=recipients,
        title=_("超期督办：%(title)s") % {"title": followup.title},
        body=_("完成期限：%(deadline)s") % {"deadline": followup.deadline.isoformat()},
        url=_url(followup.pk),
        verb="followup.overdue",
    )
