"""Writes to cases (P1): one function per change of state, guarded by ``workflow`` and the actor's scope.

Every function here: checks who may act (``rules``), locks the case row, checks the transition, writes with
``update_fields``, records the audit event, and queues notifications after commit. Call them from views,
the API, Open311, commands and jobs alike — nothing else changes a case's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.accounts.models import Person
from yishi.areas.models import LEVEL_ORDER, Area, Level, Unit
from yishi.areas.selectors import area_line
from yishi.audit.services import audit_record
from yishi.workdays.calendar import add_working_days

from . import rollups, rules
from .deadlines import PROCESS, rule_for
from .models import (
    Case,
    CaseNumberSequence,
    CasePart,
    CaseReply,
    CaseStep,
    Category,
    Channel,
    Extension,
    HandlingMode,
    RateSettings,
    Rating,
    RatingValue,
    ReplyChannel,
    Step,
    Urgency,
)
from .search import tokens_for
from .selectors import joint_meetings
from .workflow import Action, Status, TransitionNotAllowed, check_transition

CASE_FIELDS = [
    "status",
    "handling_mode",
    "level_area",
    "handler_unit",
    "merged_into",
    "reopen_count",
    "is_supervised",
]


# ---------------------------------------------------------------- helpers


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("area", "level_area", "category")
        .get(pk=case.pk)
    )


def _move(case: Case, action: str, *, actor, note: str = "", extra: dict | None = None, **changes) -> Case:
    """Apply ``action`` to the locked ``case``: check the transition, write the changes, audit it."""
    try:
        target = check_transition(case.status, action)
    except TransitionNotAllowed as exc:
        raise ValidationError(
            {
                "status": _("当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": case.get_status_display(), "action": Action(action).label}
            }
        ) from exc
    before = {name: getattr(case, case._meta.get_field(name).attname) for name in CASE_FIELDS}
    case.status = target
    for key, value in changes.items():
        setattr(case, key, value)
    case.save(update_fields=["status", *changes, "updated_at"])
    if "handler_unit" in changes:
        # A pending deadline carries its case's handling unit, so a unit's deadlines are one range on the
        # (unit, due) index of pending steps (``selectors.deadline_branches``).
        CaseStep.objects.filter(case=case, done_at__isnull=True).update(unit=changes["handler_unit"])
    after = {name: getattr(case, case._meta.get_field(name).attname) for name in CASE_FIELDS}
    audit_record(
        actor=actor,
        obj=case,
        verb=f"case.{action}",
        before=before,
        after={**after, **(extra or {})},
        note=note,
    )
    return case


def _due(step: str, start: dt.datetime, case: Case) -> dt.datetime:
    if step == Step.RATE:
        # The rating window is a setting of its own (考核设置), in calendar days, the same for every category.
        return start + dt.timedelta(days=RateSettings.current().rating_window_days)
    return rule_for(step, case.category.key).due(start)


def _open_step(
    case: Case, step: str, start: dt.datetime, *, unit: Unit | None = None, new: bool = False
) -> CaseStep:
    """Open (or reopen) the deadline ``step`` of the case's current round, carrying ``unit`` (by default the
    case's handling unit: ``_move`` keeps pending steps on it). ``new``: the case was just created and has no
    steps, so the row is inserted without looking for one first."""
    unit_id = unit.pk if unit is not None else case.handler_unit_id
    if new:
        return CaseStep.objects.create(
            case=case,
            step=step,
            round=case.reopen_count,
            area_path=case.area_path,
            unit_id=unit_id,
            due_at=_due(step, start, case),
        )
    return CaseStep.objects.update_or_create(
        case=case,
        step=step,
        round=case.reopen_count,
        defaults={
            "area_path": case.area_path,
            "unit_id": unit_id,
            "due_at": _due(step, start, case),
            "done_at": None,
        },
    )[0]


def _close_step(case: Case, step: str, when: dt.datetime) -> None:
    done = CaseStep.objects.filter(
        case=case, step=step, round=case.reopen_count, done_at__isnull=True
    ).update(done_at=when)
    if done and step == Step.FIRST_CONTACT:
        rollups.case_steps_changed(case.pk)  # update() sends no signal: keep 响应率's rollup right


def _notify(users: Iterable, *, title: str, case: Case, body: str = "", verb: str = "") -> None:
    """Put the notifications in the inboxes within the change's own transaction: they commit or roll back
    with it, and the users already read need not be read again after the commit (an intake was three round
    trips more). Copies by e-mail or SMS are queued only after the commit (``notifications.notify``)."""
    from django.urls import reverse

    from yishi.notifications.services import notify

    notify(
        recipients=users, title=title, body=body, url=reverse("cases:detail", args=[case.number]), verb=verb
    )


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def ancestor_at(area: Area, level: str) -> Area | None:
    """The ancestor of ``area`` (or ``area`` itself) at ``level``, or None."""
    return next((a for a in area.ancestors() if a.level == level), None)


def _next_number(area: Area, when: dt.datetime, district: Area | None) -> str:
    """``YYYY-<district code>-NNNNNN``, the sequence locked per district and year so numbers never repeat;
    ``district`` is the area's ancestor at district level (None when it has none)."""
    code = (district.code if district and district.code else f"{(district or area).pk:06d}")[:20]
    year = timezone.localtime(when).year
    # One statement takes the next number and locks the row until the case commits (a select for update
    # and an update were two round trips on every intake); the year's first case creates the row.
    table = CaseNumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "last" = "last" + 1 WHERE "year" = %s AND "district_code" = %s RETURNING "last"',
            [year, code],
        )
        row = cursor.fetchone()
    if row is None:
        seq, _created = CaseNumberSequence.objects.select_for_update().get_or_create(
            year=year, district_code=code
        )
        seq.last += 1
        seq.save(update_fields=["last"])
        row = (seq.last,)
    return f"{year}-{code}-{row[0]:06d}"


def _coordinates(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    errors = {}
    try:
        lat = Decimal(str(latitude))
        if not Decimal(-90) <= lat <= Decimal(90):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["latitude"] = _("纬度应在-90到90之间。")
    try:
        lon = Decimal(str(longitude))
        if not Decimal(-180) <= lon <= Decimal(180):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["longitude"] = _("经度应在-180到180之间。")
    if errors:
        raise ValidationError(errors)
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


# ---------------------------------------------------------------- 听: intake


@transaction.atomic
def case_submit(
    *,
    actor,
    area: Area,
    category: Category,
    title: str,
    text: str,
    channel: str,
    reporter: Person | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    is_anonymous: bool = False,
    address: str = "",
    latitude=None,
    longitude=None,
    urgency: str = Urgency.NORMAL,
    parties: str = "",
    submitted_at: dt.datetime | None = None,
) -> Case:
    """Take in a case on ``channel``.

    The online opinion box takes cases from anyone (anonymous allowed, or a signed-in resident as reporter);
    every other channel is recorded by someone working in the area (staff, grid worker, building steward,
    deputy). The case goes to its community first; its accept deadline starts now. The case comes back with
    ``accept_step``, the deadline just opened (its only step), for a caller that shows the new case without
    reading its steps back.
    """
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = _("未知的渠道。")
    if urgency not in Urgency.values:
        errors["urgency"] = _("未知的紧急程度。")
    if LEVEL_ORDER.get(area.level, 0) < LEVEL_ORDER[Level.COMMUNITY]:
        errors["area"] = _("请选择到社区、网格或楼栋。")
    if not category.is_active:
        errors["category"] = _("该类别已停用。")
    if not (title or "").strip():
        errors["title"] = _("请填写标题。")
    elif len(title.strip()) > 120:
        errors["title"] = _("标题不能超过120个字。")
    if not (text or "").strip():
        errors["text"] = _("请写下您要反映的情况。")
    elif len(text) > 4000:
        errors["text"] = _("内容不能超过4000个字。")
    if reporter_phone:
        from yishi.accounts.services import validate_mobile

        try:
            reporter_phone = validate_mobile(reporter_phone, field="reporter_phone")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    lat, lon = _coordinates(latitude, longitude)
    if channel not in (Channel.OPINION_BOX, Channel.OPEN311, Channel.API) and not rules.can_record(
        actor, area
    ):
        raise PermissionDenied(_("您不能为该区域登记诉求。"))
    if channel == Channel.OPINION_BOX and reporter is None and not is_anonymous and actor is not None:
        reporter = getattr(actor, "person", None)
    ancestors = {a.level: a for a in area_line(area)}  # both levels from one cached read
    community = ancestors.get(Level.COMMUNITY)
    now = submitted_at or timezone.now()
    case = Case(
        number=_next_number(area, now, ancestors.get(Level.DISTRICT)),
        title=title.strip(),
        text=text.strip(),
        category=category,
        suggested_category=category,
        area=area,
        area_path=area.path,
        community_path=community.path,
        address=address.strip(),
        latitude=lat,
        longitude=lon,
        reporter=None if is_anonymous else reporter,
        reporter_name="" if is_anonymous else reporter_name.strip(),
        reporter_phone="" if is_anonymous else reporter_phone,
        is_anonymous=is_anonymous,
        channel=channel,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        urgency=urgency,
        parties=parties.strip(),
        submitted_at=now,
        level_area=community,
        level_path=community.path,
    )
    case.search_tokens = tokens_for(case.number, case.title, case.text, case.address)
    case.save()
    case.accept_step = _open_step(case, Step.ACCEPT, now, new=True)
    _record_suggestion(case, new=True)
    audit_record(
        actor=actor,
        obj=case,
        verb="case.submit",
        after={"number": case.number, "channel": channel, "category": category.key, "area": area.pk},
    )
    _notify(
        rules.dispatchers_of(community),
        title=_("新诉求待受理：%(title)s") % {"title": case.title},
        case=case,
        verb="case.submit",
    )
    return case


MAX_BOX_PHOTOS = 3
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif")


@transaction.atomic
def opinion_box_submit(
    *,
    actor,
    area: Area,
    category: Category,
    title: str,
    text: str,
    is_anonymous: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    address: str = "",
    latitude=None,
    longitude=None,
    photos: list | None = None,
) -> Case:
    """网上意见征集箱: a resident files a case online, with up to three photos, in one transaction.

    A signed-in resident is the reporter (unless anonymous). A visitor who is not signed in and not
    anonymous must leave a name and a mobile number so the handler can reach them. Every photo is checked
    before the case is created, then attached through the attachments service's trusted intake path; any
    failure rolls everything back (no case row, no number taken, no stored file left behind).
    """
    photos = list(photos or [])
    signed_in = getattr(actor, "is_authenticated", False)
    errors = {}
    if not is_anonymous and not signed_in:
        if not (reporter_name or "").strip():
            errors["reporter_name"] = _("请填写您的姓名，或选择匿名反映。")
        elif len(reporter_name.strip()) > 50:
            errors["reporter_name"] = _("姓名不能超过50个字。")
        if not (reporter_phone or "").strip():
            errors["reporter_phone"] = _("请填写手机号码，以便工作人员联系您；或选择匿名反映。")
    if len(photos) > MAX_BOX_PHOTOS:
        errors["photos"] = _("最多上传%(count)d张照片。") % {"count": MAX_BOX_PHOTOS}
    else:
        from yishi.attachments.services import attachment_check
        from yishi.attachments.validation import extension_of

        for photo in photos:
            if extension_of(photo.name or "") not in PHOTO_EXTENSIONS:
                errors["photos"] = _("“%(name)s”不是照片，只能上传 JPG、PNG、WEBP 或 GIF 图片。") % {
                    "name": photo.name
                }
                break
            try:
                attachment_check(photo)
            except ValidationError as exc:
                errors["photos"] = f"{photo.name}：{' '.join(exc.messages)}"
                break
    try:
        case = case_submit(
            actor=actor if signed_in else None,
            area=area,
            category=category,
            title=title,
            text=text,
            channel=Channel.OPINION_BOX,
            reporter_name="" if signed_in else reporter_name,
            reporter_phone="" if signed_in else reporter_phone,
            is_anonymous=is_anonymous,
            address=address,
            latitude=latitude,
            longitude=longitude,
        )
    except ValidationError as exc:
        # Report every field at once: the case's own checks and the intake's.
        raise ValidationError({**exc.message_dict, **errors}) from exc
    if errors:
        raise ValidationError(errors)  # rolls back the case just created
    from yishi.attachments.services import attachment_add

    stored = []
    try:
        for photo in photos:
            stored.append(
                attachment_add(
                    actor=actor if signed_in else None, obj=case, uploaded_file=photo, trusted=True
                )
            )
    except ValidationError as exc:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise ValidationError({"photos": exc.messages}) from exc
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return case


# ---------------------------------------------------------------- acceptance


@transaction.atomic
def case_accept(*, actor, case: Case, category: Category | None = None, note: str = "") -> Case:
    """受理: the dispatcher at the case's level takes it on; first-contact and resolve clocks start.

    The dispatcher may correct the category on the way (the correction is kept for routing to learn from).
    The category's default route (``selectors.route_for``) is recorded with the acceptance and left on
    ``case.suggested_route`` as a suggestion for the dispatcher: nothing is dispatched automatically.
    """
    from .selectors import route_for

    case = _locked(case)
    rules.require_action(actor, case, Action.ACCEPT)
    now = timezone.now()
    changes = {"accepted_at": now}
    if category is not None and category.pk != case.category_id:
        if not category.is_active:
            raise ValidationError({"category": _("该类别已停用。")})
        changes["category"] = category
    corrected_from = case.category
    case.category = changes.get("category", case.category)
    _routing_corrected(actor, case, corrected_from, case.category)
    level, unit = route_for(case)
    route = {"level": str(level), "unit": unit.pk if unit else None}
    _move(case, Action.ACCEPT, actor=actor, note=note, extra={"route": route}, **changes)
    case.suggested_route = (level, unit)
    _close_step(case, Step.ACCEPT, now)
    _open_step(case, Step.FIRST_CONTACT, now)
    _open_step(case, Step.RESOLVE, now)
    _notify(
        rules.reporter_users(case),
        title=_("您的诉求已受理：%(number)s") % {"number": case.number},
        case=case,
        verb="case.accept",
    )
    return case


def _record_suggestion(case: Case, *, new: bool = False) -> None:
    """智能派单: keep what routing suggested for the new case (alternatives, confidence, manual flag)."""
    from yishi.routing.services import suggestion_record

    suggestion_record(case=case, new=new)


def _routing_corrected(actor, case: Case, from_category: Category, to_category: Category) -> None:
    """Staff set the category: a correction for routing to learn from (or a confirmation if unchanged)."""
    from yishi.routing.services import correction_record

    correction_record(actor=actor, case=case, from_category=from_category, to_category=to_category)


@transaction.atomic
def case_recategorize(*, actor, case: Case, category: Category, note: str = "") -> Case:
    """改类别: a dispatcher at the case's level sets its category before it is dispatched (待受理 or
    已受理待分办). A change is audited and kept as a routing correction; the same category confirms the
    suggestion (ending the manual-dispatch flag). Headings and inactive categories are refused.
    """
    case = _locked(case)
    rules.require_dispatcher(actor, case)
    if case.status not in (Status.SUBMITTED, Status.ACCEPTED):
        raise ValidationError({"category": _("诉求分办后不能再修改类别。")})
    if not category.is_active or category.children.filter(is_active=True).exists():
        raise ValidationError({"category": _("请选择一个启用的具体类别。")})
    before = case.category
    if category.pk != before.pk:
        case.category = category
        case.save(update_fields=["category", "updated_at"])
        audit_record(
            actor=actor,
            obj=case,
            verb="case.recategorize",
            before={"category": before.key},
            after={"category": category.key},
            note=note,
        )
    _routing_corrected(actor, case, before, category)
    return case


@transaction.atomic
def case_reject(*, actor, case: Case, reason: str) -> Case:
    """不予受理: refuse with a reason the reporter sees (e.g. the matter is in litigation)."""
    reason = _require_text(reason, "reason", _("请填写不予受理的理由，反映人会看到它。"))
    case = _locked(case)
    rules.require_action(actor, case, Action.REJECT)
    now = timezone.now()
    _move(case, Action.REJECT, actor=actor, note=reason, reject_reason=reason, closed_at=now)
    _close_step(case, Step.ACCEPT, now)
    _notify(
        rules.reporter_users(case),
        title=_("您的诉求不予受理：%(number)s") % {"number": case.number},
        body=reason,
        case=case,
        verb="case.reject",
    )
    return case


@transaction.atomic
def case_merge(*, actor, case: Case, into: Case, note: str = "") -> Case:
    """合并: ``case`` duplicates ``into``; it is handled once, and its reporters follow ``into``.

    ``into`` must be open, not itself merged, and within the actor's dispatch scope.
    """
    if into.pk == case.pk:
        raise ValidationError({"into": _("不能合并到自身。")})
    case = _locked(case)
    rules.require_action(actor, case, Action.MERGE)
    into = _locked(into)
    if not rules.can_view(actor, into):
        raise ValidationError({"into": _("找不到要合并到的诉求。")})
    if into.status in (Status.MERGED, Status.REJECTED, Status.CLOSED):
        raise ValidationError({"into": _("只能合并到尚未办结的诉求。")})
    now = timezone.now()
    _move(
        case,
        Action.MERGE,
        actor=actor,
        note=note,
        extra={"into": into.number},
        merged_into=into,
        closed_at=now,
    )
    if CaseStep.objects.filter(case=case, done_at__isnull=True).update(done_at=now):
        rollups.case_steps_changed(case.pk)  # update() sends no signal
    audit_record(actor=actor, obj=into, verb="case.merged_in", after={"from": case.number})
    _notify(
        rules.reporter_users(case),
        title=_("您的诉求已与 %(number)s 合并办理") % {"number": into.number},
        case=into,
        verb="case.merge",
    )
    return case


@transaction.atomic
def case_contact(*, actor, case: Case, note: str) -> Case:
    """首次联系: the handler reached the reporter; stops the first-contact clock (响应)."""
    note = _require_text(note, "note", _("请记录联系情况。"))
    case = _locked(case)
    rules.require_handler(actor, case)
    if case.first_contact_at is not None:
        raise ValidationError({"note": _("已记录过首次联系。")})
    now = timezone.now()
    case.first_contact_at = now
    case.save(update_fields=["first_contact_at", "updated_at"])
    _close_step(case, Step.FIRST_CONTACT, now)
    audit_record(actor=actor, obj=case, verb="case.contact", note=note)
    return case


# ---------------------------------------------------------------- 办: handling


@transaction.atomic
def case_handle_self(*, actor, case: Case, note: str = "") -> Case:
    """社区自办: the community handles the matter itself."""
    case = _locked(case)
    rules.require_action(actor, case, Action.HANDLE_SELF)
    return _move(case, Action.HANDLE_SELF, actor=actor, note=note, handling_mode=HandlingMode.SELF)


@transaction.atomic
def case_joint(
    *,
    actor,
    case: Case,
    scheduled_at: dt.datetime,
    location: str,
    participants: list[tuple[Person | None, Unit | None, str]],
):
    """五方协商联合办: call a joint meeting of the parties (party organisation, residents' committee, property
    company, owners' committee, units in the area). The meeting is a shared ``Meeting`` whose subject is the case;
    it may not be set in the past, and every invited person with an account (and each unit's staff) is told.
    """
    from yishi.meetings.services import meeting_schedule

    case = _locked(case)
    rules.require_action(actor, case, Action.JOINT)
    if len([p for p in participants if p[0] or p[1]]) < 2:
        raise ValidationError({"participants": _("联合办理至少需要两方参加。")})
    if scheduled_at is not None and timezone.localdate(scheduled_at) < timezone.localdate():
        raise ValidationError({"scheduled_at": _("会议时间不能早于今天。")})
    _move(case, Action.JOINT, actor=actor, handling_mode=HandlingMode.JOINT)
    invited = [p[0].user for p in participants if p[0] is not None and hasattr(p[0], "user")]
    for _person, unit, _capacity in (p[:3] for p in participants):
        if unit is not None:
            invited.extend(rules.unit_staff(unit))
    _notify(
        invited,
        title=_("邀请参加五方协商联合办：%(title)s") % {"title": case.title},
        case=case,
        body=f"{timezone.localtime(scheduled_at):%Y-%m-%d %H:%M} {location}",
        verb="case.joint",
    )
    return meeting_schedule(
        actor=actor,
        kind="joint_handling",
        area=case.level_area,
        body=case,
        title=_("五方协商联合办：%(title)s") % {"title": case.title},
        scheduled_at=scheduled_at,
        location=location,
        participants=participants,
        agenda=[(case.title, case)],
    )


@transaction.atomic
def case_assign(*, actor, case: Case, unit: Unit, note: str = "") -> Case:
    """派单: send the case to a unit that serves the case's level (located above or within it)."""
    case = _locked(case)
    rules.require_action(actor, case, Action.ASSIGN)
    if not rules.unit_serves(unit, case.level_area):
        raise ValidationError({"unit": _("该单位不在本级可派单的范围内。")})
    _move(
        case,
        Action.ASSIGN,
        actor=actor,
        note=note,
        extra={"unit": unit.pk},
        handling_mode=HandlingMode.ASSIGNED,
        handler_unit=unit,
    )
    _notify(
        rules.unit_staff(unit),
        title=_("新派单：%(title)s") % {"title": case.title},
        case=case,
        verb="case.assign",
    )
    return case


@transaction.atomic
def case_pool(*, actor, case: Case, note: str = "") -> Case:
    """部门认领办: put the case in the street's claim pool, from which a department claims it."""
    case = _locked(case)
    rules.require_action(actor, case, Action.POOL)
    if case.level_area.level not in (Level.STREET, Level.DISTRICT):
        raise ValidationError({"status": _("认领池在街道（乡镇）一级，请先上报街道。")})
    _move(case, Action.POOL, actor=actor, note=note, handling_mode=HandlingMode.POOL)
    _notify(
        rules.pool_staff(case.level_area),
        title=_("认领池有新诉求：%(title)s") % {"title": case.title},
        case=case,
        verb="case.pool",
    )
    return case


@transaction.atomic
def case_claim(*, actor, case: Case) -> Case:
    """认领: a department staff member claims a pooled case for their unit."""
    case = _locked(case)
    unit = rules.claiming_unit(actor, case)
    _move(case, Action.CLAIM, actor=actor, extra={"unit": unit.pk}, handler_unit=unit)
    _notify(
        rules.dispatchers_of(case.level_area),
        title=_("%(unit)s 认领了 %(number)s") % {"unit": unit.name, "number": case.number},
        case=case,
        verb="case.claim",
    )
    return case


@transaction.atomic
def case_whistle(*, actor, case: Case, parts: list[tuple[Unit, str]]) -> Case:
    """街道吹哨、部门报到: summon one or more departments, each with its own task and a deadline to report.

    Only at street (or district) level. Each unit appears once; the case resolves when every part is done.
    """
    case = _locked(case)
    rules.require_action(actor, case, Action.WHISTLE)
    if case.level_area.level not in (Level.STREET, Level.DISTRICT):
        raise ValidationError({"status": _("吹哨由街道（乡镇）发起，请先上报街道。")})
    if not parts:
        raise ValidationError({"parts": _("请至少选择一个部门并写明分工。")})
    seen = set()
    for unit, task in parts:
        if unit.pk in seen:
            raise ValidationError({"parts": _("同一部门不能重复吹哨。")})
        seen.add(unit.pk)
        if not (task or "").strip():
            raise ValidationError({"parts": _("请为每个部门写明分工任务。")})
        if not rules.unit_serves(unit, case.level_area):
            raise ValidationError({"parts": _("%(unit)s 不在本级可吹哨的范围内。") % {"unit": unit.name}})
    now = timezone.now()
    _move(
        case, Action.WHISTLE, actor=actor, extra={"units": sorted(seen)}, handling_mode=HandlingMode.WHISTLE
    )
    due = _due("acknowledge", now, case)
    for unit, task in parts:
        CasePart.objects.create(case=case, unit=unit, task=task.strip(), acknowledge_due=due)
        _notify(
            rules.unit_staff(unit),
            title=_("街道吹哨，请按时报到：%(title)s") % {"title": case.title},
            body=task,
            case=case,
            verb="case.whistle",
        )
    return case


@transaction.atomic
def part_acknowledge(*, actor, part: CasePart) -> CasePart:
    """报到: the summoned department acknowledges its part."""
    part = CasePart.objects.select_for_update(of=("self",)).select_related("case", "unit").get(pk=part.pk)
    rules.require_part_staff(actor, part)
    if part.status != CasePart.PartStatus.SUMMONED:
        raise ValidationError({"status": _("该部门已经报到。")})
    part.status, part.acknowledged_at, part.acknowledged_by = (
        CasePart.PartStatus.ACKNOWLEDGED,
        timezone.now(),
        actor,
    )
    part.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    audit_record(
        actor=actor,
        obj=part.case,
        verb="case.part_acknowledge",
        after={"unit": part.unit_id, "late": part.acknowledged_at > part.acknowledge_due},
    )
    return part


@transaction.atomic
def part_finish(*, actor, part: CasePart, result: str) -> CasePart:
    """A department finishes its part; when it is the last one, the case is resolved."""
    result = _require_text(result, "result", _("请填写办理结果。"))
    part = CasePart.objects.select_for_update(of=("self",)).select_related("case", "unit").get(pk=part.pk)
    rules.require_action(actor, part.case, Action.PARTS_DONE, unit=part.unit)
    if part.status != CasePart.PartStatus.ACKNOWLEDGED:
        raise ValidationError({"status": _("请先报到，再提交办理结果。")})
    part.status, part.done_at, part.result = CasePart.PartStatus.DONE, timezone.now(), result
    part.save(update_fields=["status", "done_at", "result"])
    audit_record(
        actor=actor, obj=part.case, verb="case.part_finish", after={"unit": part.unit_id}, note=result
    )
    remaining = CasePart.objects.filter(case=part.case).exclude(status=CasePart.PartStatus.DONE).exists()
    if not remaining:
        _resolve(_locked(part.case), actor=actor, result=_("各部门分工均已完成。"), action=Action.PARTS_DONE)
    return part


def _referral(action: str, mode: str):
    @transaction.atomic
    def refer(*, actor, case: Case, note: str) -> Case:
        note_ = _require_text(note, "note", _("请说明转办的理由。"))
        case_ = _locked(case)
        rules.require_action(actor, case_, action)
        _move(case_, action, actor=actor, note=note_, handling_mode=mode)
        _notify(
            rules.reporter_users(case_),
            title=_("您的诉求已%(action)s：%(number)s")
            % {"action": Action(action).label, "number": case_.number},
            body=note_,
            case=case_,
            verb=f"case.{action}",
        )
        return case_

    return refer


case_refer_council = _referral(Action.REFER_COUNCIL, HandlingMode.COUNCIL)
case_refer_council.__doc__ = "转议事会: a common matter goes to the community's deliberation council (P2)."
case_refer_mediation = _referral(Action.REFER_MEDIATION, HandlingMode.MEDIATION)
case_refer_mediation.__doc__ = "转调解: a dispute goes to mediation (P4)."
case_suggest = _referral(Action.SUGGEST, HandlingMode.SUGGESTION)
case_suggest.__doc__ = "意见建议提交办: turned into a deputy's suggestion to the level above (P6)."


@transaction.atomic
def case_escalate(*, actor, case: Case, reason: str) -> Case:
    """上报: the current level cannot solve it; the case goes one level up the area tree (repeatable, up to
    the district). Whoever handled it at this level lets go; the dispatcher above decides anew.
    """
    reason = _require_text(reason, "reason", _("请说明上报的理由。"))
    case = _locked(case)
    rules.require_action(actor, case, Action.ESCALATE)
    parent = case.level_area.parent
    if parent is None or LEVEL_ORDER[parent.level] < LEVEL_ORDER[Level.DISTRICT]:
        raise ValidationError({"reason": _("已经是最高办理层级，不能再上报。")})
    if case.status == Status.WHISTLED:
        if CasePart.objects.filter(case=case, status=CasePart.PartStatus.DONE).exists():
            raise ValidationError({"status": _("已有部门完成分工，不能再上报。")})
        CasePart.objects.filter(case=case).delete()
    _move(
        case,
        Action.ESCALATE,
        actor=actor,
        note=reason,
        extra={"to": parent.pk},
        level_area=parent,
        level_path=parent.path,
        handler_unit=None,
        handling_mode=HandlingMode.NONE,
        escalation_count=case.escalation_count + 1,
    )
    _notify(
        rules.dispatchers_of(parent),
        title=_("下级上报诉求：%(title)s") % {"title": case.title},
        body=reason,
        case=case,
        verb="case.escalate",
    )
    return case


@transaction.atomic
def case_return(*, actor, case: Case, reason: str) -> Case:
    """退单: the assigned unit sends the case back (not its remit), with a reason, to the dispatcher."""
    reason = _require_text(reason, "reason", _("请说明退单的理由。"))
    case = _locked(case)
    if case.handler_unit is None:
        raise ValidationError({"status": _("该诉求没有承办单位。")})
    rules.require_action(actor, case, Action.RETURN)
    unit = case.handler_unit
    _move(
        case,
        Action.RETURN,
        actor=actor,
        note=reason,
        extra={"unit": unit.pk},
        handler_unit=None,
        handling_mode=HandlingMode.NONE,
    )
    _notify(
        rules.dispatchers_of(case.level_area),
        title=_("%(unit)s 退回了 %(number)s") % {"unit": unit.name, "number": case.number},
        body=reason,
        case=case,
        verb="case.return",
    )
    return case


def _resolve(case: Case, *, actor, result: str, action: str = Action.RESOLVE) -> Case:
    now = timezone.now()
    _move(case, action, actor=actor, note=result, resolved_at=now)
    _close_step(case, Step.RESOLVE, now)
    _open_step(case, Step.REPLY, now)
    _notify(
        rules.dispatchers_of(case.level_area),
        title=_("诉求已办结待答复：%(number)s") % {"number": case.number},
        case=case,
        verb="case.resolve",
    )
    return case


@transaction.atomic
def case_resolve(*, actor, case: Case, result: str) -> Case:
    """办结: the handler reports the matter solved; the reply clock starts. A whistled case resolves by its
    parts, not by hand.
    """
    result = _require_text(result, "result", _("请填写办理结果。"))
    case = _locked(case)
    rules.require_action(actor, case, Action.RESOLVE)
    if case.status == Status.WHISTLED:
        raise ValidationError({"status": _("吹哨诉求在各部门完成分工后自动办结。")})
    if case.handling_mode == HandlingMode.JOINT and not joint_meetings(case).filter(status="held").exists():
        raise ValidationError({"result": _("请先记录联合办理会议的纪要和结果，再办结。")})
    return _resolve(case, actor=actor, result=result)


@transaction.atomic
def case_joint_record(*, actor, case: Case, meeting, minutes: str, outcome: str):
    """联合办理纪要: a dispatcher at the case's level records the joint meeting's minutes and outcome; the case
    (handled jointly) may then be resolved. The meeting must be one of this case's joint meetings.
    """
    from yishi.meetings.services import meeting_record

    rules.require_dispatcher(actor, case)
    if not joint_meetings(case).filter(pk=meeting.pk).exists():
        raise ValidationError({"meeting": _("该会议不属于这条诉求。")})
    return meeting_record(actor=actor, meeting=meeting, minutes=minutes, outcome=outcome)


@transaction.atomic
def case_publish(*, actor, case: Case):
    """公示: publish a resolved (or replied, closed) case's result on its community's board, masked.

    The actor needs ``notices.change_notice`` on the community; ``Case.notice_content`` gives the text.
    """
    from yishi.notices.models import NoticeKind
    from yishi.notices.services import notice_publish

    if case.status not in (Status.RESOLVED, Status.REPLIED, Status.CLOSED):
        raise ValidationError({"status": _("诉求办结后才能公示。")})
    community = ancestor_at(case.area, Level.COMMUNITY) or case.area
    return notice_publish(actor=actor, area=community, source=case, kind=NoticeKind.CASE_RESULT)


# ---------------------------------------------------------------- 回 and 评


@transaction.atomic
def case_reply(*, actor, case: Case, channel: str, text: str) -> CaseReply:
    """答复: tell the reporter(s) — of this case and of every case merged into it — on one of four channels."""
    errors = {}
    if channel not in ReplyChannel.values:
        errors["channel"] = _("请选择答复方式。")
    if not (text or "").strip():
        errors["text"] = _("请填写答复内容。")
    if errors:
        raise ValidationError(errors)
    case = _locked(case)
    rules.require_action(actor, case, Action.REPLY)
    now = timezone.now()
    _move(case, Action.REPLY, actor=actor, note=text.strip(), extra={"channel": channel}, replied_at=now)
    reply = CaseReply.objects.create(
        case=case, channel=channel, text=text.strip(), replied_by=actor, replied_at=now
    )
    if case.first_contact_at is None:
        case.first_contact_at = now
        case.save(update_fields=["first_contact_at"])
        _close_step(case, Step.FIRST_CONTACT, now)
    _close_step(case, Step.REPLY, now)
    _open_step(case, Step.RATE, now)
    _notify(
        rules.reporter_users(case, with_merged=True),
        title=_("您的诉求已答复，请评价：%(number)s") % {"number": case.number},
        body=text.strip(),
        case=case,
        verb="case.reply",
    )
    return reply


@transaction.atomic
def case_rate(*, case: Case, source_case: Case, value: str, comment: str = "") -> Rating:
    """评价: a reporter rates the answer. ``source_case`` is the reporter's own case (the same case, or one
    merged into it); callers have checked that the rater is its reporter (signed in, or the secret link).

    满意 and 基本满意 close the case. 不满意 reopens it once (重办); a second 不满意 sends it to supervision.
    Reporters of merged cases may rate too; only the case's own reporter moves its status.
    """
    if value not in RatingValue.values:
        raise ValidationError({"value": _("请选择满意、基本满意或不满意。")})
    if value == RatingValue.UNSATISFIED and not (comment or "").strip():
        raise ValidationError({"comment": _("请说明不满意的原因，以便重新办理。")})
    case = _locked(case)
    if source_case.pk != case.pk and source_case.merged_into_id != case.pk:
        raise ValidationError({"case": _("只能评价自己反映的诉求。")})
    if case.status != Status.REPLIED:
        raise ValidationError({"value": _("诉求答复后才能评价，且每轮只能评价一次。")})
    if Rating.objects.filter(case=case, source_case=source_case, round=case.reopen_count).exists():
        raise ValidationError({"value": _("您已经评价过了。")})
    now = timezone.now()
    rating = Rating.objects.create(
        case=case,
        source_case=source_case,
        value=value,
        comment=(comment or "").strip(),
        round=case.reopen_count,
        rated_at=now,
    )
    audit_record(
        actor=None,
        obj=case,
        verb="case.rate",
        after={"value": value, "from": source_case.number},
        note=rating.comment,
    )
    if source_case.pk != case.pk:
        return rating
    _close_step(case, Step.RATE, now)
    if value != RatingValue.UNSATISFIED:
        _move(case, Action.RATE, actor=None, extra={"value": value}, closed_at=now)
    elif case.reopen_count == 0:
        _move(
            case,
            Action.REOPEN,
            actor=None,
            note=rating.comment,
            reopen_count=1,
            handler_unit=None,
            handling_mode=HandlingMode.NONE,
            resolved_at=None,
            replied_at=None,
        )
        _open_step(case, Step.RESOLVE, now)
        _notify(
            rules.dispatchers_of(case.level_area),
            title=_("居民不满意，诉求重办：%(number)s") % {"number": case.number},
            body=rating.comment,
            case=case,
            verb="case.reopen",
        )
    else:
        _move(case, Action.SUPERVISE, actor=None, note=rating.comment, is_supervised=True)
        _notify(
            rules.supervisors_of(case),
            title=_("两次不满意，请督办：%(number)s") % {"number": case.number},
            body=rating.comment,
            case=case,
            verb="case.supervise",
        )
    return rating


@transaction.atomic
def case_close(*, actor, case: Case, conclusion: str = "") -> Case:
    """归档: a supervisor closes a supervised case with a conclusion; the system closes a case whose rating
    window ran out unrated (actor None).
    """
    case = _locked(case)
    now = timezone.now()
    if actor is None:
        if case.status != Status.REPLIED:
            return case
        step = CaseStep.objects.filter(case=case, step=Step.RATE, round=case.reopen_count).first()
        if step is None or step.due_at > now:
            return case
        return _move(
            case, Action.CLOSE_UNRATED, actor=None, note=_("评价期满未评价，自动归档。"), closed_at=now
        )
    conclusion = _require_text(conclusion, "conclusion", _("请填写督办结论。"))
    rules.require_action(actor, case, Action.CLOSE)
    _move(case, Action.CLOSE, actor=actor, note=conclusion, closed_at=now)
    _notify(
        rules.reporter_users(case),
        title=_("您的诉求督办已办结：%(number)s") % {"number": case.number},
        body=conclusion,
        case=case,
        verb="case.close",
    )
    return case


# ---------------------------------------------------------------- deadlines


@transaction.atomic
def extension_request(*, actor, case: Case, step: str, days: int, reason: str) -> Extension:
    """延期申请: the handler asks for ``days`` more working days on an open step."""
    reason = _require_text(reason, "reason", _("请填写延期理由。"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise ValidationError({"days": _("延期天数应为1到30个工作日。")})
    case = _locked(case)
    rules.require_handler(actor, case)
    step_row = CaseStep.objects.filter(
        case=case, step=step, round=case.reopen_count, done_at__isnull=True
    ).first()
    if step_row is None:
        raise ValidationError({"step": _("该环节没有正在计时的期限。")})
    if Extension.objects.filter(step=step_row, decision=Extension.Decision.PENDING).exists():
        raise ValidationError({"step": _("该环节已有待审批的延期申请。")})
    extension = Extension.objects.create(
        case=case,
        step=step_row,
        reason=reason,
        requested_days=days,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_record(
        actor=actor, obj=case, verb="case.extension_request", after={"step": step, "days": days}, note=reason
    )
    _notify(
        rules.dispatchers_of(case.level_area),
        title=_("延期申请待审批：%(number)s") % {"number": case.number},
        body=reason,
        case=case,
        verb="case.extension_request",
    )
    return extension


@transaction.atomic
def extension_decide(*, actor, extension: Extension, approve: bool, note: str = "") -> Extension:
    """延期审批: the dispatcher approves (the step's deadline moves by the working days asked) or refuses."""
    extension = (
        Extension.objects.select_for_update(of=("self",)).select_related("case", "step").get(pk=extension.pk)
    )
    rules.require_dispatcher(actor, extension.case)
    if extension.decision != Extension.Decision.PENDING:
        raise ValidationError({"decision": _("该申请已经审批。")})
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("不批准时请说明理由。")})
    extension.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = (
        actor,
        timezone.now(),
        (note or "").strip(),
    )
    extension.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    if approve:
        step = extension.step
        step.due_at = add_working_days(step.due_at, extension.requested_days)
        step.supervised_at = None
        step.save(update_fields=["due_at", "supervised_at"])
    audit_record(
        actor=actor,
        obj=extension.case,
        verb="case.extension_decide",
        after={"approved": approve, "days": extension.requested_days},
        note=extension.decision_note,
    )
    _notify(
        [extension.requested_by],
        title=_("延期申请已审批：%(number)s") % {"number": extension.case.number},
        case=extension.case,
        verb="case.extension_decide",
    )
    return extension


def supervise_overdue_steps(*, now: dt.datetime | None = None) -> int:
    """督办: flag every overdue, unflagged step and notify its supervisors. Idempotent: a step is flagged once
    (``supervised_at``), so running the job twice notifies once. Returns the number of steps flagged.
    """
    now = now or timezone.now()
    flagged = 0
    overdue = (
        CaseStep.objects.filter(done_at__isnull=True, supervised_at__isnull=True, due_at__lt=now)
        .exclude(step=Step.RATE)
        .values_list("pk", flat=True)
    )
    for pk in list(overdue[:1000]):
        with transaction.atomic():
            step = (
                CaseStep.objects.select_for_update(of=("self",))
                .select_related("case", "case__level_area")
                .get(pk=pk)
            )
            if step.supervised_at is not None or step.done_at is not None:
                continue
            step.supervised_at = now
            step.save(update_fields=["supervised_at"])
            audit_record(actor=None, obj=step.case, verb="case.overdue", after={"step": step.step})
            _notify(
                rules.supervisors_of(step.case),
                title=_("超期督办：%(number)s %(step)s超期")
                % {"number": step.case.number, "step": step.get_step_display()},
                case=step.case,
                verb="case.overdue",
            )
            flagged += 1
    return flagged


def close_unrated_cases(*, now: dt.datetime | None = None) -> int:
    """Close every replied case whose rating window has passed unrated. Idempotent."""
    now = now or timezone.now()
    due = CaseStep.objects.filter(
        step=Step.RATE, done_at__isnull=True, due_at__lt=now, case__status=Status.REPLIED
    ).values_list("case_id", flat=True)
    closed = 0
    for case_id in list(due[:1000]):
        case = case_close(actor=None, case=Case(pk=case_id))
        closed += case.status == Status.CLOSED
    return closed


# ---------------------------------------------------------------- rate settings


@transaction.atomic
def rate_settings_update(
    *,
    actor,
    basic_weight,
    response_weight,
    resolution_weight,
    satisfaction_weight,
    rating_window_days=None,
):
    """考核设置: change the weights of the rates (see ``cases.rates``). Admins only.

    The three composite weights are whole percentages that sum to 100; the weight of 基本满意 in 满意率 lies
    in [0, 1] with at most two decimals; the rating window, when given, is 1 to 60 days. Locks the row.
    """
    from yishi.core import permissions
    from yishi.core.services import require

    require(actor, permissions.CHANGE_RATE_SETTINGS)
    errors = {}
    try:
        basic = Decimal(str(basic_weight))
        if (
            not basic.is_finite()
            or not Decimal(0) <= basic <= Decimal(1)
            or basic != basic.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["basic_weight"] = _("基本满意计入系数应在0到1之间，最多两位小数。")
    weights = {}
    for name, value in (
        ("response_weight", response_weight),
        ("resolution_weight", resolution_weight),
        ("satisfaction_weight", satisfaction_weight),
    ):
        try:
            number = int(str(value))
            if not 0 <= number <= 100:
                raise ValueError
            weights[name] = number
        except (TypeError, ValueError):
            errors[name] = _("权重应为0到100之间的整数。")
    if len(weights) == 3 and sum(weights.values()) != 100:
        message = _("三项权重之和应为100，现在是%(sum)s。") % {"sum": sum(weights.values())}
        for name in weights:
            errors[name] = message
    window = None
    if rating_window_days not in (None, ""):
        try:
            window = int(str(rating_window_days))
            if not 1 <= window <= 60:
                raise ValueError
        except (TypeError, ValueError):
            errors["rating_window_days"] = _("评价期应为1到60天。")
    if errors:
        raise ValidationError(errors)
    row = RateSettings.objects.select_for_update().order_by("pk").first()
    if row is None:
        row = RateSettings.objects.create()
    fields = ["basic_weight", "response_weight", "resolution_weight", "satisfaction_weight"]
    if window is not None:
        fields.append("rating_window_days")
    before = {name: getattr(row, name) for name in fields}
    row.basic_weight = basic
    for name, value in weights.items():
        setattr(row, name, value)
    if window is not None:
        row.rating_window_days = window
    row.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=row,
        verb="cases.rate_settings_update",
        before=before,
        after={name: getattr(row, name) for name in fields},
    )
    return row


def remind_due_soon_steps(*, now: dt.datetime | None = None) -> int:
    """临期提醒: tell the handlers of every open step that has entered its near-due window (``near_due_hours``
    of its deadline rule before ``due_at``) and is not overdue yet. Idempotent: a step is reminded once
    (``reminded_at``), so running the job twice notifies once. The rating step is the reporter's, not a
    handler's, and is skipped. Returns the number of steps reminded.
    """
    from django.db.models import Max

    from yishi.workdays.models import DeadlineRule

    from .deadlines import DEFAULTS

    now = now or timezone.now()
    widest = max(
        DeadlineRule.objects.filter(process=PROCESS).aggregate(h=Max("near_due_hours"))["h"] or 0,
        max(near for _amount, _unit, near, _note in DEFAULTS.values()),
    )
    candidates = (
        CaseStep.objects.filter(
            done_at__isnull=True,
            reminded_at__isnull=True,
            due_at__gte=now,
            due_at__lt=now + dt.timedelta(hours=widest),
        )
        .exclude(step=Step.RATE)
        .values_list("pk", flat=True)
    )
    reminded = 0
    for pk in list(candidates[:1000]):
        with transaction.atomic():
            step = (
                CaseStep.objects.select_for_update(of=("self",))
                .select_related("case", "case__category", "case__level_area", "unit")
                .get(pk=pk)
            )
            if step.reminded_at is not None or step.done_at is not None:
                continue
            rule = rule_for(step.step, step.case.category.key)
            if rule.near_due_at(step.due_at) > now:
                continue
            step.reminded_at = now
            step.save(update_fields=["reminded_at"])
            handlers = (
                rules.unit_staff(step.unit) if step.unit else rules.dispatchers_of(step.case.level_area)
            )
            _notify(
                handlers,
                title=_("临期提醒：%(number)s %(step)s将于%(due)s到期")
                % {
                    "number": step.case.number,
                    "step": step.get_step_display(),
                    "due": timezone.localtime(step.due_at).strftime("%Y-%m-%d %H:%M"),
                },
                case=step.case,
                verb="case.due_soon",
            )
            reminded += 1
    return reminded
