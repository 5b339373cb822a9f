"""Writes of the council (党员民情议事会): councils, charters, members, and each change of state of a topic.

One function per change; each checks the actor's permission and scope (``councils.change_council`` for the
staff who run the council, ``councils.view_council`` for members and residents proposing a topic), checks the
transition against ``workflow.TRANSITIONS``, locks the topic row, records an audit event and queues the
notifications of whoever acts next after the commit. Meetings, opinions and follow-ups are written through
their own shared services; nothing council-specific lives in those apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.accounts.models import Person, Role, RoleGrant, User
from yishi.areas.models import Level
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.permissions import CHANGE_COUNCIL, VIEW_COUNCIL
from yishi.core.services import require
from yishi.meetings import services as meeting_services
from yishi.meetings.models import Meeting, MeetingKind, MeetingStatus, Participant, QuorumRule, ThresholdRule

from .models import (
    Charter,
    Council,
    CouncilMember,
    MeetingFrequency,
    ScopeItem,
    Topic,
    TopicSource,
)
from .workflow import TopicAction, TopicStatus, TransitionNotAllowed, check_transition

TOPIC_FIELDS = ["status", "scope_item", "opinion_deadline", "decision", "refusal_reason"]
DEFAULT_SCOPE = ("老旧小区改造", "环境卫生", "公共设施", "消防安全", "停车管理")
PERIOD_MONTHS = {
    MeetingFrequency.MONTHLY: 1,
    MeetingFrequency.QUARTERLY: 3,
    MeetingFrequency.HALF_YEARLY: 6,
}
REGULAR_DAY, REGULAR_HOUR = 15, 15  # regular meetings: the 15th of a period's first month, 15:00
MAX_OPINION_DAYS = 90
MIN_YEAR, MAX_YEAR = 1900, 2100  # dates typed by people; beyond them date arithmetic overflows


# ---------------------------------------------------------------- helpers


def _users_with_roles(roles: Iterable[str], areas) -> list[int]:
    person_ids = RoleGrant.objects.filter(
        revoked_at__isnull=True, role__in=list(roles), area__in=list(areas)
    ).values_list("person_id", flat=True)
    return list(User.objects.filter(person_id__in=person_ids, is_active=True).values_list("pk", flat=True))


def council_staff_ids(council: Council) -> list[int]:
    """Who runs ``council`` day to day: the community staff and party secretaries of its community."""
    return _users_with_roles({Role.COMMUNITY_STAFF, Role.PARTY_SECRETARY}, [council.area])


def street_staff_ids(council: Council) -> list[int]:
    """The street staff above the council's community (who hear about topics passed up or escalated)."""
    return _users_with_roles({Role.STREET_STAFF}, council.area.ancestors())


def member_user_ids(council: Council) -> list[int]:
    person_ids = council.members.filter(left_on__isnull=True).values_list("person_id", flat=True)
    return list(User.objects.filter(person_id__in=person_ids, is_active=True).values_list("pk", flat=True))


def _notify(
    user_ids: Iterable[int], *, title: str, topic: Topic | None = None, url: str = "", verb: str = ""
):
    """Queue one notification per user after the commit (ids only)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    if topic is not None and not url:
        from django.urls import reverse

        url = reverse("councils:topic", args=[topic.pk])

    def send() -> None:
        from yishi.notifications.services import notify

        notify(recipients=User.objects.filter(pk__in=ids), title=title, url=url, verb=verb)

    transaction.on_commit(send)


def _lock(topic: Topic) -> Topic:
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("council__area", "council__charter")
        .get(pk=topic.pk)
    )


def _move(topic: Topic, action: str) -> str:
    try:
        return check_transition(topic.status, action)
    except TransitionNotAllowed:
        raise ValidationError(
            {
                "status": _("议题当前状态为“%(status)s”，不能%(action)s。")
                % {"status": topic.get_status_display(), "action": TopicAction(action).label}
            }
        ) from None


def _snap(topic: Topic) -> dict:
    return {
        "status": topic.status,
        "scope_item": topic.scope_item_id,
        "opinion_deadline": topic.opinion_deadline,
        "decision": topic.decision,
        "refusal_reason": topic.refusal_reason,
        "agenda_item": topic.agenda_item_id,
    }


def _save(topic: Topic, *, actor, verb: str, before: dict, fields: list[str], note: str = "") -> Topic:
    topic.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, obj=topic, verb=verb, before=before, after=_snap(topic), note=note)
    return topic


def _required(value: str, field: str, message: str, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _publish(*, actor, topic: Topic, title: str, body: str, kind: str, expires_on=None):
    from yishi.notices.services import notice_publish

    return notice_publish(
        actor=actor,
        area=topic.council.area,
        title=title,
        body=body,
        kind=kind,
        source=topic,
        expires_on=expires_on,
    )


# ---------------------------------------------------------------- council, members, charter


@transaction.atomic
def council_create(*, actor, area, name: str, chair: Person) -> Council:
    """议事会: create the council of a community (one per community) with a default charter (自治章程)
    whose scope holds the usual kinds of matters; the chair becomes its first member."""
    require(actor, CHANGE_COUNCIL, area)
    errors: dict[str, str] = {}
    name = _required(name, "name", _("请填写议事会名称。"), errors)
    if area.level != Level.COMMUNITY:
        errors["area"] = _("议事会只能设在社区（村）。")
    elif Council.objects.filter(area=area).exists():
        errors["area"] = _("该社区已经有议事会。")
    if chair is None:
        errors["chair"] = _("请选择召集人。")
    elif not chair.home_area.path.startswith(area.path):
        errors["chair"] = _("召集人须是本社区的人员。")
    if errors:
        raise ValidationError(errors)
    council = Council.objects.create(area=area, name=name[:100], chair=chair)
    charter = Charter.objects.create(council=council)
    ScopeItem.objects.bulk_create([ScopeItem(charter=charter, name=n) for n in DEFAULT_SCOPE])
    CouncilMember.objects.create(
        council=council, person=chair, capacity=_("召集人"), joined_on=timezone.localdate()
    )
    audit_record(actor=actor, obj=council, verb="council.create", after={"name": name, "chair": chair.pk})
    return council


@transaction.atomic
def council_member_add(
    *, actor, council: Council, person: Person, capacity: str = "党员", group: str = "", joined_on=None
) -> CouncilMember:
    """Add ``person`` (living or working in the community) to the council; once while active."""
    require(actor, CHANGE_COUNCIL, council)
    if person is None:
        raise ValidationError({"person": _("请选择成员。")})
    if not person.home_area.path.startswith(council.area.path):
        raise ValidationError({"person": _("成员须是本社区的人员。")})
    if council.members.filter(person=person, left_on__isnull=True).exists():
        raise ValidationError({"person": _("%(name)s 已经是议事会成员。") % {"name": person.name}})
    member = CouncilMember.objects.create(
        council=council,
        person=person,
        capacity=(capacity or "党员").strip()[:40],
        group=(group or "").strip()[:40],
        joined_on=joined_on or timezone.localdate(),
    )
    audit_record(
        actor=actor,
        obj=council,
        verb="council.member_add",
        after={"person": person.pk, "capacity": member.capacity, "group": member.group},
    )
    _sync_planned_meetings(
        actor=actor, council=council, person=person, is_member=True, capacity=member.capacity
    )
    return member


def _sync_planned_meetings(*, actor, council: Council, person: Person, is_member: bool, capacity: str = ""):
    """Keep the quorum base of the council's planned meetings right: the member joins (as a voting member) or
    leaves (stays listed, without a vote) each of them, and their ``member_count`` is the active members now."""
    count = council.members.filter(left_on__isnull=True).count()
    meetings = Meeting.objects.filter(
        body_type=ContentType.objects.get_for_model(Council),
        body_id=str(council.pk),
        status=MeetingStatus.PLANNED,
    )
    for meeting in meetings:
        meeting_services.meeting_set_member(
            actor=actor,
            meeting=meeting,
            person=person,
            is_member=is_member,
            capacity=capacity if is_member else _("已退出议事会"),
            member_count=count,
        )


@transaction.atomic
def council_members_add_party(*, actor, council: Council, group: str = "") -> list[CouncilMember]:
    """从人员和角色添加成员: every party member of the community — a person marked 党员, or holding an active
    党员 role in the community — who is not an active member yet joins the council (capacity 党员)."""
    require(actor, CHANGE_COUNCIL, council)
    area_path = council.area.path
    by_role = RoleGrant.objects.filter(
        revoked_at__isnull=True, role=Role.PARTY_MEMBER, area__path__startswith=area_path
    ).values_list("person_id", flat=True)
    active = council.members.filter(left_on__isnull=True).values_list("person_id", flat=True)
    people = (
        Person.objects.filter(home_area__path__startswith=area_path)
        .filter(Q(is_party_member=True) | Q(pk__in=by_role))
        .exclude(pk__in=active)
        .order_by("pk")
    )
    today = timezone.localdate()
    group = (group or "").strip()[:40]
    added = [
        CouncilMember.objects.create(council=council, person=p, capacity="党员", group=group, joined_on=today)
        for p in people
    ]
    if not added:
        raise ValidationError({"members": _("本社区的党员都已经是议事会成员。")})
    audit_record(
        actor=actor,
        obj=council,
        verb="council.member_add_party",
        after={"added": len(added), "people": [m.person_id for m in added]},
    )
    for member in added:
        _sync_planned_meetings(
            actor=actor, council=council, person=member.person, is_member=True, capacity="党员"
        )
    return added


@transaction.atomic
def council_member_remove(*, actor, member: CouncilMember, left_on=None) -> CouncilMember:
    """A member leaves (``left_on`` set); the chair cannot leave while chairing."""
    member = CouncilMember.objects.select_for_update(of=("self",)).select_related("council").get(pk=member.pk)
    require(actor, CHANGE_COUNCIL, member.council)
    if member.left_on is not None:
        raise ValidationError({"member": _("该成员已经退出。")})
    if member.person_id == member.council.chair_id:
        raise ValidationError({"member": _("召集人不能退出，请先更换召集人。")})
    member.left_on = left_on or timezone.localdate()
    member.save(update_fields=["left_on"])
    audit_record(
        actor=actor, obj=member.council, verb="council.member_remove", after={"person": member.person_id}
    )
    _sync_planned_meetings(actor=actor, council=member.council, person=member.person, is_member=False)
    return member


@transaction.atomic
def charter_update(
    *,
    actor,
    council: Council,
    quorum_rule: str,
    threshold_rule: str,
    meeting_frequency: str,
    min_opinion_days: int,
    text: str,
) -> Charter:
    """修订章程: the rules of the council. Meetings already scheduled keep the rules they were copied with."""
    require(actor, CHANGE_COUNCIL, council)
    charter = Charter.objects.select_for_update().get(council=council)
    errors: dict[str, str] = {}
    if quorum_rule not in QuorumRule.values:
        errors["quorum_rule"] = _("未知的法定人数规则。")
    if threshold_rule not in ThresholdRule.values:
        errors["threshold_rule"] = _("未知的表决通过规则。")
    if meeting_frequency not in MeetingFrequency.values:
        errors["meeting_frequency"] = _("未知的例会频次。")
    try:
        days = int(min_opinion_days)
    except (TypeError, ValueError):
        days = -1
    if not 1 <= days <= MAX_OPINION_DAYS:
        errors["min_opinion_days"] = _("最短征求意见期须在1到%(max)d天之间。") % {"max": MAX_OPINION_DAYS}
    if errors:
        raise ValidationError(errors)
    fields = ["quorum_rule", "threshold_rule", "meeting_frequency", "min_opinion_days", "text"]
    before = {f: getattr(charter, f) for f in fields}
    charter.quorum_rule, charter.threshold_rule = quorum_rule, threshold_rule
    charter.meeting_frequency, charter.min_opinion_days = meeting_frequency, days
    charter.text = (text or "").strip()
    charter.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        obj=council,
        verb="charter.update",
        before=before,
        after={f: getattr(charter, f) for f in fields},
    )
    return charter


@transaction.atomic
def scope_item_add(*, actor, council: Council, name: str, description: str = "") -> ScopeItem:
    """Add a kind of matter to the charter's scope (names unique per charter)."""
    require(actor, CHANGE_COUNCIL, council)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写事项类别。")})
    charter = council.charter
    if charter.scope_items.filter(name=name[:60]).exists():
        raise ValidationError({"name": _("议事范围中已有这一类别。")})
    item = ScopeItem.objects.create(
        charter=charter, name=name[:60], description=(description or "").strip()[:255]
    )
    audit_record(actor=actor, obj=council, verb="charter.scope_add", after={"name": item.name})
    return item


# ---------------------------------------------------------------- topics


@transaction.atomic
def topic_propose(
    *,
    actor,
    council: Council,
    title: str,
    description: str,
    source: str,
    source_case=None,
    proposer: Person | None = None,
) -> Topic:
    """提议: a new topic (一事一议). Staff may propose from any source, naming the proposer, and turn a P1 case
    referred to the council (status ``in_council``) into a topic; members and residents of the community
    propose as themselves (``member`` when they sit on the council, else ``resident``)."""
    require(actor, VIEW_COUNCIL, council)
    is_staff = permissions.can(actor, CHANGE_COUNCIL, council)
    errors: dict[str, str] = {}
    title = _required(title, "title", _("请填写议题。"), errors)
    description = _required(description, "description", _("请填写议题说明。"), errors)
    if len(title) > 120:
        errors["title"] = _("议题不能超过120个字。")
    if not is_staff:
        proposer = getattr(actor, "person", None)
        if proposer is None:
            raise ValidationError({"proposer": _("您的账号没有关联人员，不能提议。")})
        is_member = council.members.filter(person=proposer, left_on__isnull=True).exists()
        source = TopicSource.MEMBER if is_member else TopicSource.RESIDENT
        source_case = None
    elif source not in TopicSource.values:
        errors["source"] = _("请选择议题来源。")
    elif source == TopicSource.CASE:
        from yishi.cases.workflow import Status as CaseStatus

        if source_case is None:
            errors["source_case"] = _("请选择转来的诉求。")
        elif source_case.status != CaseStatus.IN_COUNCIL or not source_case.area.path.startswith(
            council.area.path
        ):
            errors["source_case"] = _("只能选择本社区已转议事会的诉求。")
        elif Topic.objects.filter(source_case=source_case).exists():
            errors["source_case"] = _("这件诉求已经立为议题。")
        elif proposer is None:
            proposer = source_case.reporter
    else:
        source_case = None
    if errors:
        raise ValidationError(errors)
    topic = Topic.objects.create(
        council=council,
        title=title,
        description=description,
        source=source,
        source_case=source_case,
        proposer=proposer,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        obj=topic,
        verb="topic.propose",
        after={**_snap(topic), "source": source, "source_case": topic.source_case_id},
    )
    _notify(
        council_staff_ids(council),
        title=_("新议题待审查：%(t)s") % {"t": title},
        topic=topic,
        verb="topic.propose",
    )
    return topic


@transaction.atomic
def topic_scope_check(
    *,
    actor,
    topic: Topic,
    scope_item: ScopeItem | None = None,
    in_scope: bool,
    reason: str = "",
    pass_up: bool = False,
) -> Topic:
    """审查: check the topic against the charter's scope. In scope needs the scope item it falls under
    (accept); out of scope needs a reason and is either refused (the reason is published on the board) or
    passed up to the level above (its street staff are told)."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    reason = (reason or "").strip()
    before = _snap(topic)
    if in_scope:
        target = _move(topic, TopicAction.ACCEPT)
        if scope_item is None or scope_item.charter_id != topic.council.charter.pk:
            raise ValidationError({"scope_item": _("请选择本议事会章程中的议事范围。")})
        topic.status, topic.scope_item = target, scope_item
        _save(topic, actor=actor, verb="topic.accept", before=before, fields=["status", "scope_item"])
        return topic
    action = TopicAction.PASS_UP if pass_up else TopicAction.REFUSE
    target = _move(topic, action)
    if not reason:
        raise ValidationError({"reason": _("超出议事范围须写明理由。")})
    topic.status, topic.refusal_reason = target, reason
    fields = ["status", "refusal_reason"]
    if pass_up:
        topic.escalated_to = topic.council.area.parent
        fields.append("escalated_to")
    _save(topic, actor=actor, verb=f"topic.{action}", before=before, fields=fields, note=reason)
    if pass_up:
        _notify(
            street_staff_ids(topic.council),
            title=_("社区议事会报上级：%(t)s") % {"t": topic.title},
            topic=topic,
            verb="topic.pass_up",
        )
    else:
        _publish(
            actor=actor,
            topic=topic,
            title=_("不予议事：%(t)s") % {"t": topic.title},
            body=_("议题“%(t)s”超出本议事会章程的议事范围，不予议事。\n理由：%(r)s")
            % {"t": topic.title, "r": reason},
            kind="topic",
        )
    return topic


@transaction.atomic
def topic_publish(*, actor, topic: Topic, opinion_days: int) -> Topic:
    """公示: publish an accepted topic on the community's notice board for at least the charter's minimum
    opinion period; opinions are taken until ``opinion_deadline`` (inclusive)."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.PUBLISH)
    minimum = topic.council.charter.min_opinion_days
    try:
        days = int(opinion_days)
    except (TypeError, ValueError):
        days = -1
    if not minimum <= days <= MAX_OPINION_DAYS:
        raise ValidationError(
            {
                "opinion_days": _("征求意见期须在%(min)d到%(max)d天之间（章程规定至少%(min)d天）。")
                % {"min": minimum, "max": MAX_OPINION_DAYS}
            }
        )
    before = _snap(topic)
    deadline = timezone.localdate() + dt.timedelta(days=days)
    topic.status, topic.opinion_deadline = target, deadline
    topic.notice = _publish(
        actor=actor,
        topic=topic,
        title=_("议题公示：%(t)s") % {"t": topic.title},
        body=_(
            "%(d)s\n\n议事范围：%(s)s\n征求意见截止：%(deadline)s。欢迎居民和辖区单位在线或通过意见征集箱提出意见。"
        )
        % {"d": topic.description, "s": topic.scope_item or "", "deadline": deadline.isoformat()},
        kind="topic",
        expires_on=deadline,
    )
    _save(
        topic,
        actor=actor,
        verb="topic.publish",
        before=before,
        fields=["status", "opinion_deadline", "notice"],
    )
    return topic


def _unresearched_count(topic: Topic, channels) -> int:
    from yishi.opinions.selectors import unresearched

    return unresearched(topic, channels=channels).count()


COLLECTED = ("online", "paper_box")


@transaction.atomic
def topic_close_opinions(*, actor, topic: Topic, early: bool = False, reason: str = "") -> Topic:
    """结束征求意见: the topic becomes ready for a meeting — refused while the opinion period runs (today on or
    before ``opinion_deadline``) unless the council's staff end it early (``early``) with a recorded reason,
    and refused while any collected opinion (online or from the paper box) has no research record."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.CLOSE_OPINIONS)
    reason = (reason or "").strip()
    today = timezone.localdate()
    in_period = topic.opinion_deadline is not None and today <= topic.opinion_deadline
    if in_period and not early:
        raise ValidationError(
            {
                "opinion_deadline": _(
                    "征求意见期到%(d)s截止，截止后才能结束征求意见；如需提前结束，请选择提前结束并写明理由。"
                )
                % {"d": topic.opinion_deadline.isoformat()}
            }
        )
    if in_period and not reason:
        raise ValidationError({"reason": _("提前结束征求意见须写明理由。")})
    missing = _unresearched_count(topic, COLLECTED)
    if missing:
        raise ValidationError({"opinions": _("还有%(n)d条征集到的意见未完成调研。") % {"n": missing}})
    before = _snap(topic)
    topic.status = target
    note = (
        (_("提前结束征求意见（截止日%(d)s）：%(r)s") % {"d": topic.opinion_deadline, "r": reason})
        if in_period
        else ""
    )
    _save(topic, actor=actor, verb="topic.close_opinions", before=before, fields=["status"], note=note)
    return topic


def _council_of(meeting: Meeting) -> Council | None:
    ct = ContentType.objects.get_for_model(Council)
    if meeting.body_type_id != ct.pk:
        return None
    return Council.objects.filter(pk=meeting.body_id).first()


def _member_participants(council: Council):
    return [(m.person, None, m.capacity, True) for m in council.active_members()]


def _schedule(
    *, actor, council: Council, title: str, scheduled_at, location: str, is_regular: bool
) -> Meeting:
    charter = Charter.objects.get(council=council)
    members = _member_participants(council)
    meeting = meeting_services.meeting_schedule(
        actor=actor,
        kind=MeetingKind.COUNCIL,
        area=council.area,
        title=title,
        scheduled_at=scheduled_at,
        location=location,
        body=council,
        participants=members,
        member_count=len(members),
        quorum_rule=charter.quorum_rule,
        threshold_rule=charter.threshold_rule,
        is_regular=is_regular,
    )
    _notify(
        member_user_ids(council),
        title=_("议事会会议通知：%(t)s") % {"t": title},
        url=_meeting_url(meeting),
        verb="council.meeting",
    )
    return meeting


def _meeting_url(meeting: Meeting) -> str:
    from django.urls import reverse

    return reverse("councils:meeting", args=[meeting.pk])


def regular_dates(start: dt.date, frequency: str) -> list[dt.date]:
    """The regular meeting days in the twelve months (four quarters) from ``start``: the 15th of each
    period's first month (monthly, quarterly or half-yearly periods of the calendar year), on or after start."""
    step = PERIOD_MONTHS[frequency]
    count = 12 // step
    month = ((start.month - 1) // step) * step + 1
    year = start.year
    dates = []
    while len(dates) < count:
        day = dt.date(year, month, REGULAR_DAY)
        if day >= start:
            dates.append(day)
        month += step
        if month > 12:
            month, year = month - 12, year + 1
    return dates


@transaction.atomic
def council_schedule_regular(*, actor, council: Council, start: dt.date | None = None) -> list[Meeting]:
    """例会: schedule the regular meetings for the next four quarters from ``start`` at the charter's
    frequency, with the charter's quorum and threshold copied and every active member invited as a voting
    member. Idempotent: a period that already has a regular meeting of this council gets no second one."""
    if actor is not None:
        require(actor, CHANGE_COUNCIL, council)
    start = start or timezone.localdate()
    if not MIN_YEAR <= start.year <= MAX_YEAR - 1:
        raise ValidationError(
            {"start": _("起始日期须在%(a)d年至%(b)d年之间。") % {"a": MIN_YEAR, "b": MAX_YEAR - 1}}
        )
    council = (
        Council.objects.select_for_update(of=("self",)).select_related("area", "charter").get(pk=council.pk)
    )
    existing = {
        timezone.localtime(at).date()
        for at in Meeting.objects.filter(
            body_type=ContentType.objects.get_for_model(Council), body_id=str(council.pk), is_regular=True
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("scheduled_at", flat=True)
    }
    created = []
    for day in regular_dates(start, council.charter.meeting_frequency):
        if day in existing:
            continue
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(REGULAR_HOUR)))
        title = _("%(name)s %(y)d年%(m)d月例会") % {"name": council.name, "y": day.year, "m": day.month}
        created.append(
            _schedule(
                actor=actor, council=council, title=title, scheduled_at=at, location="", is_regular=True
            )
        )
    return created


def schedule_regular_meetings(*, today: dt.date | None = None) -> int:
    """Job: keep every council's regular meetings scheduled a year ahead (idempotent); how many were created."""
    total = 0
    for council in Council.objects.all():
        total += len(council_schedule_regular(actor=None, council=council, start=today))
    return total


@transaction.atomic
def council_meeting_adhoc(
    *, actor, council: Council, title: str, scheduled_at, location: str = ""
) -> Meeting:
    """临时会议: an ad hoc meeting of the council, with the charter's rules and all active members invited."""
    require(actor, CHANGE_COUNCIL, council)
    errors: dict[str, str] = {}
    title = _required(title, "title", _("请填写会议名称。"), errors)
    if scheduled_at is None:
        errors["scheduled_at"] = _("请填写召开时间。")
    elif not MIN_YEAR <= scheduled_at.year <= MAX_YEAR:
        errors["scheduled_at"] = _("召开时间须在%(a)d年至%(b)d年之间。") % {"a": MIN_YEAR, "b": MAX_YEAR}
    if errors:
        raise ValidationError(errors)
    return _schedule(
        actor=actor,
        council=council,
        title=title,
        scheduled_at=scheduled_at,
        location=location,
        is_regular=False,
    )


@transaction.atomic
def council_invite(*, actor, meeting: Meeting, person: Person, capacity: str = "列席") -> Participant:
    """Invite a non-member to a council meeting (列席, no vote)."""
    require(actor, CHANGE_COUNCIL, meeting)
    return meeting_services.meeting_invite(actor=actor, meeting=meeting, person=person, capacity=capacity)


def agenda_is_dead(topic: Topic) -> bool:
    """Whether the topic's agenda item can no longer decide it: its meeting was cancelled, or was held (closed)
    without a closed vote on the item. Such a topic may be put on another meeting's agenda."""
    from yishi.meetings.models import VoteStatus

    item = topic.agenda_item
    if item is None:
        return True
    status = item.meeting.status
    if status == MeetingStatus.CANCELLED:
        return True
    return status == MeetingStatus.HELD and not item.votes.filter(status=VoteStatus.CLOSED).exists()


@transaction.atomic
def topic_put_on_agenda(*, actor, topic: Topic, meeting: Meeting) -> Topic:
    """列入议程: a READY topic goes on the agenda of a planned or running meeting of its own council. A topic
    already on an agenda is moved to another meeting only when that agenda can no longer decide it (its meeting
    cancelled, or held without a closed vote on the topic: ``agenda_is_dead``)."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.SCHEDULE)
    if topic.status == TopicStatus.ON_AGENDA and not agenda_is_dead(topic):
        raise ValidationError(
            {
                "meeting": _(
                    "议题已列入会议“%(m)s”的议程；只有该会议取消，或会议结束而未对议题完成表决，才能改列其他会议。"
                )
                % {"m": topic.agenda_item.meeting.title}
            }
        )
    council = _council_of(meeting) if meeting is not None else None
    if council is None or council.pk != topic.council_id:
        raise ValidationError({"meeting": _("请选择本议事会的会议。")})
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.IN_SESSION):
        raise ValidationError({"meeting": _("只能列入尚未召开或正在进行的会议。")})
    before = _snap(topic)
    topic.agenda_item = meeting_services.meeting_add_agenda_item(
        actor=actor, meeting=meeting, title=topic.title, subject=topic
    )
    topic.status = target
    _save(topic, actor=actor, verb="topic.schedule", before=before, fields=["status", "agenda_item"])
    _notify(
        member_user_ids(topic.council),
        title=_("议题已列入会议议程：%(t)s") % {"t": topic.title},
        url=_meeting_url(meeting),
        verb="topic.schedule",
    )
    return topic


@transaction.atomic
def topic_open_vote(*, actor, topic: Topic, secret: bool = False):
    """开始表决: open the vote on the topic's agenda item — refused while any collected opinion lacks research;
    the meeting refuses it without quorum."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    if topic.status != TopicStatus.ON_AGENDA or topic.agenda_item is None:
        raise ValidationError({"status": _("议题尚未列入会议议程，不能表决。")})
    missing = _unresearched_count(topic, COLLECTED)
    if missing:
        raise ValidationError(
            {"opinions": _("还有%(n)d条征集到的意见未完成调研，不能表决。") % {"n": missing}}
        )
    vote = meeting_services.vote_open(actor=actor, agenda_item=topic.agenda_item, secret=secret)
    audit_record(actor=actor, obj=topic, verb="topic.open_vote", after={"vote": vote.pk, "secret": secret})
    return vote


@transaction.atomic
def topic_record_vote(*, actor, topic: Topic, reason: str = "") -> Topic:
    """表决结果: read the closed vote of the topic's agenda item — passed or rejected; a rejected topic's
    result and reason are published on the board."""
    from yishi.meetings.models import VoteResult, VoteStatus

    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    _move(topic, TopicAction.RECORD_VOTE)
    vote = (
        topic.agenda_item.votes.filter(status=VoteStatus.CLOSED).order_by("-closed_at", "-pk").first()
        if topic.agenda_item_id
        else None
    )
    if vote is None or vote.result not in (VoteResult.PASSED, VoteResult.REJECTED):
        raise ValidationError({"vote": _("该议题还没有结束的表决。")})
    before = _snap(topic)
    counts = _("到会%(p)d人，同意%(f)d票，反对%(a)d票，弃权%(b)d票") % {
        "p": vote.present,
        "f": vote.votes_for,
        "a": vote.votes_against,
        "b": vote.votes_abstain,
    }
    reason = (reason or "").strip()
    if vote.result == VoteResult.PASSED:
        topic.status = TopicStatus.PASSED
        topic.decision = _("表决通过（%(c)s）。") % {"c": counts} + (f"\n{reason}" if reason else "")
    else:
        topic.status = TopicStatus.REJECTED
        topic.decision = _("表决未通过（%(c)s）。") % {"c": counts} + (f"\n{reason}" if reason else "")
    _save(topic, actor=actor, verb="topic.record_vote", before=before, fields=["status", "decision"])
    if topic.status == TopicStatus.REJECTED:
        _publish(
            actor=actor,
            topic=topic,
            title=_("议题未通过：%(t)s") % {"t": topic.title},
            body=topic.decision,
            kind="council_result",
        )
    _notify(
        council_staff_ids(topic.council),
        title=_("议题表决结果：%(t)s") % {"t": topic.title},
        topic=topic,
        verb="topic.record_vote",
    )
    return topic


@transaction.atomic
def topic_start_followup(*, actor, topic: Topic, tasks: list[dict]):
    """议而决 → 落实: a passed topic's tasks become follow-up items under one parent item (owned by the chair)
    — refused while any opinion on the topic (said at the meeting, or collected) lacks research."""
    from yishi.followups.services import followup_create

    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.START_FOLLOWUP)
    missing = _unresearched_count(topic, ("meeting",))
    if missing:
        raise ValidationError(
            {"opinions": _("还有%(n)d条会上意见未完成调研，不能启动落实。") % {"n": missing}}
        )
    missing = _unresearched_count(topic, COLLECTED)
    if missing:
        raise ValidationError({"opinions": _("还有%(n)d条征集到的意见未完成调研。") % {"n": missing}})
    tasks = [t for t in (tasks or []) if (t.get("title") or "").strip()]
    if not tasks:
        raise ValidationError({"tasks": _("请至少填写一项落实任务。")})
    problems = []
    for number, task in enumerate(tasks, start=1):
        if not (task.get("owner_unit") or task.get("owner_person")):
            problems.append(_("第%(n)d项：请选择责任单位或责任人。") % {"n": number})
        days = task.get("working_days")
        if not isinstance(days, int) or days < 1:
            problems.append(_("第%(n)d项：请填写完成期限（工作日）。") % {"n": number})
    if problems:
        raise ValidationError({"tasks": problems})
    area = topic.council.area
    parent = followup_create(
        actor=actor,
        area=area,
        title=topic.title,
        subject=topic,
        owner_person=topic.council.chair,
        working_days=max(t["working_days"] for t in tasks),
    )
    children = []
    for number, task in enumerate(tasks, start=1):
        try:
            children.append(
                followup_create(
                    actor=actor,
                    area=area,
                    title=task["title"].strip(),
                    subject=topic,
                    parent=parent,
                    owner_unit=task.get("owner_unit"),
                    owner_person=task.get("owner_person"),
                    working_days=task.get("working_days"),
                    measure=task.get("measure") or "",
                    target_value=task.get("target_value"),
                )
            )
        except ValidationError as exc:
            messages = exc.messages
            raise ValidationError(
                {"tasks": [_("第%(n)d项：%(m)s") % {"n": number, "m": m} for m in messages]}
            ) from None
    before = _snap(topic)
    topic.status = target
    _save(
        topic,
        actor=actor,
        verb="topic.start_followup",
        before=before,
        fields=["status"],
        note=_("落实任务%(n)d项") % {"n": len(children)},
    )
    owners = set()
    for child in children:
        if child.owner_person_id:
            owners.update(User.objects.filter(person_id=child.owner_person_id).values_list("pk", flat=True))
        if child.owner_unit_id:
            owners.update(
                User.objects.filter(
                    person__grants__unit_id=child.owner_unit_id, person__grants__revoked_at__isnull=True
                ).values_list("pk", flat=True)
            )
    _notify(owners, title=_("议事会落实任务：%(t)s") % {"t": topic.title}, topic=topic, verb="topic.followup")
    return parent


@transaction.atomic
def topic_escalate(*, actor, topic: Topic, reason: str) -> Topic:
    """报请上级: a passed topic the community cannot carry out goes to the street, tracked until answered."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.ESCALATE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写报请上级解决的理由。")})
    before = _snap(topic)
    topic.status, topic.escalated_to = target, topic.council.area.parent
    topic.refusal_reason = reason
    _save(
        topic,
        actor=actor,
        verb="topic.escalate",
        before=before,
        fields=["status", "escalated_to", "refusal_reason"],
        note=reason,
    )
    _notify(
        street_staff_ids(topic.council),
        title=_("议事会报请解决：%(t)s") % {"t": topic.title},
        topic=topic,
        verb="topic.escalate",
    )
    return topic


@transaction.atomic
def topic_answer(*, actor, topic: Topic, answer: str) -> Topic:
    """上级答复: the street (or the community's staff recording it) answers an escalated topic; it is done."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.ANSWER)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写上级答复。")})
    before = _snap(topic)
    topic.status, topic.escalation_answer = target, answer
    _save(topic, actor=actor, verb="topic.answer", before=before, fields=["status", "escalation_answer"])
    _notify(
        council_staff_ids(topic.council),
        title=_("上级已答复：%(t)s") % {"t": topic.title},
        topic=topic,
        verb="topic.answer",
    )
    return topic


def _figure(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def results_lines(topic: Topic) -> list[str]:
    """One line per task: target against actual, with the measure (e.g. 铺设柏油马路：目标 7128 ㎡，实际 7128 ㎡)."""
    from yishi.followups.models import FollowUp, FollowUpStatus

    lines = []
    items = FollowUp.objects.filter(
        subject_type=ContentType.objects.get_for_model(Topic), subject_id=str(topic.pk), parent__isnull=False
    ).exclude(status=FollowUpStatus.CANCELLED)
    for item in items.order_by("id"):
        lines.append(
            _("%(t)s：目标 %(target)s %(m)s，实际 %(actual)s %(m)s（%(s)s）")
            % {
                "t": item.title,
                "target": _figure(item.target_value),
                "actual": _figure(item.actual_value),
                "m": item.measure,
                "s": item.get_status_display(),
            }
        )
    return lines


@transaction.atomic
def topic_publish_progress(*, actor, topic: Topic):
    """落实进展公示: while a topic is being carried out, publish its tasks' targets against actuals so far."""
    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    if topic.status != TopicStatus.IN_FOLLOWUP:
        raise ValidationError({"status": _("只有落实中的议题可以公示落实进展。")})
    body = "\n".join([_("落实情况（目标/实际）："), *results_lines(topic)])
    notice = _publish(
        actor=actor,
        topic=topic,
        title=_("落实进展公示：%(t)s") % {"t": topic.title},
        body=body,
        kind="followup",
    )
    audit_record(actor=actor, obj=topic, verb="topic.publish_progress", after={"notice": notice.pk})
    return notice


@transaction.atomic
def topic_complete(*, actor, topic: Topic, summary: str) -> Topic:
    """办结: every follow-up of the topic is done (or cancelled); the results — targets against actuals — are
    published on the community's board."""
    from yishi.followups.models import FollowUp, FollowUpStatus

    topic = _lock(topic)
    require(actor, CHANGE_COUNCIL, topic)
    target = _move(topic, TopicAction.COMPLETE)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("请填写办理结果。")})
    open_items = (
        FollowUp.objects.filter(
            subject_type=ContentType.objects.get_for_model(Topic), subject_id=str(topic.pk)
        )
        .filter(~Q(status__in=[FollowUpStatus.DONE, FollowUpStatus.CANCELLED]))
        .count()
    )
    if open_items:
        raise ValidationError({"summary": _("还有%(n)d项落实任务未完成。") % {"n": open_items}})
    before = _snap(topic)
    topic.status, topic.result_summary = target, summary
    _save(topic, actor=actor, verb="topic.complete", before=before, fields=["status", "result_summary"])
    body = "\n".join([summary, "", _("落实情况（目标/实际）："), *results_lines(topic)])
    _publish(
        actor=actor,
        topic=topic,
        title=_("议事结果公示：%(t)s") % {"t": topic.title},
        body=body,
        kind="council_result",
    )
    _notify(
        member_user_ids(topic.council),
        title=_("议题已办结：%(t)s") % {"t": topic.title},
        topic=topic,
        verb="topic.complete",
    )
    return topic
