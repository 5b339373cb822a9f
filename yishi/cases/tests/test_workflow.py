"""Walk every (state, action) pair of the case state machine, for every role.

For each action the case is prepared so that everything but the state and the role is right (the level, the
handling unit, the other case to merge into …); then the action is tried from every state by every role, each
inside a savepoint that is rolled back. It must succeed exactly when the workflow table lists the state as a
source of the action and the role among the action's roles.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from yishi.accounts.models import Role
from yishi.areas.models import Unit
from yishi.cases import services
from yishi.cases.models import Case, CasePart, RatingValue, ReplyChannel, Step
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case
from yishi.cases.workflow import ACTION_ROLES, TRANSITIONS, Action, Status
from yishi.core.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db

STREET_ACTIONS = {Action.WHISTLE, Action.POOL, Action.CLAIM}
ACTOR_ACTIONS = [
    a for a in Action.values if a not in {Action.RATE, Action.REOPEN, Action.SUPERVISE, Action.CLOSE_UNRATED}
]


class Rollback(Exception):
    pass


@pytest.fixture
def world(tree):
    dept = UnitFactory(area=tree.street, name="城市管理局", kind="department")
    other = UnitFactory(area=tree.street, name="交警大队", kind="department")
    category = CategoryFactory(key="environment", name="环境卫生")
    users = {}
    for level_name, area in (("community", tree.community), ("street", tree.street)):
        for role in Role.values:
            unit = dept if role == Role.DEPARTMENT_STAFF else None
            users[level_name, role] = user_with_role(role, area, unit=unit, username=f"{level_name}-{role}")
    return {"tree": tree, "dept": dept, "other": other, "category": category, "users": users}


def _prepare(world, action, status):
    tree = world["tree"]
    case = make_case(tree.building, category=world["category"])
    fields = {}
    if action in STREET_ACTIONS:
        fields.update(level_area=tree.street, level_path=tree.street.path)
    if action in (Action.RETURN, Action.RESOLVE, Action.REPLY) or status == Status.ASSIGNED:
        fields["handler_unit"] = world["dept"]
    force_status(case, status, **fields)
    if action == Action.PARTS_DONE:
        CasePart.objects.create(
            case=case, unit=world["dept"], task="清理", status="acknowledged", acknowledge_due=timezone.now()
        )
    return case


def _call(world, action, case, actor):
    tree = world["tree"]
    if action == Action.ACCEPT:
        return services.case_accept(actor=actor, case=case)
    if action == Action.REJECT:
        return services.case_reject(actor=actor, case=case, reason="正在诉讼中")
    if action == Action.MERGE:
        into = force_status(make_case(tree.building, category=world["category"]), Status.ACCEPTED)
        return services.case_merge(actor=actor, case=case, into=into)
    if action == Action.HANDLE_SELF:
        return services.case_handle_self(actor=actor, case=case)
    if action == Action.JOINT:
        return services.case_joint(
            actor=actor,
            case=case,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            location="社区会议室",
            participants=[(None, world["dept"], "辖区单位"), (None, world["other"], "辖区单位")],
        )
    if action == Action.ASSIGN:
        return services.case_assign(actor=actor, case=case, unit=world["dept"])
    if action == Action.POOL:
        return services.case_pool(actor=actor, case=case)
    if action == Action.CLAIM:
        return services.case_claim(actor=actor, case=case)
    if action == Action.WHISTLE:
        return services.case_whistle(
            actor=actor, case=case, parts=[(world["dept"], "清理"), (world["other"], "疏导")]
        )
    if action == Action.REFER_COUNCIL:
        return services.case_refer_council(actor=actor, case=case, note="涉及全体居民的公共事务")
    if action == Action.REFER_MEDIATION:
        return services.case_refer_mediation(actor=actor, case=case, note="邻里纠纷")
    if action == Action.SUGGEST:
        return services.case_suggest(actor=actor, case=case, note="需要市级层面解决")
    if action == Action.ESCALATE:
        return services.case_escalate(actor=actor, case=case, reason="社区无法解决")
    if action == Action.RETURN:
        return services.case_return(actor=actor, case=case, reason="不属于本部门职责")
    if action == Action.RESOLVE:
        return services.case_resolve(actor=actor, case=case, result="已清理完毕")
    if action == Action.PARTS_DONE:
        return services.part_finish(actor=actor, part=case.parts.get(), result="已清理完毕")
    if action == Action.REPLY:
        return services.case_reply(actor=actor, case=case, channel=ReplyChannel.PHONE, text="已电话告知")
    if action == Action.CLOSE:
        return services.case_close(actor=actor, case=case, conclusion="督办完成")
    raise AssertionError(action)


def _attempt(world, action, case, actor) -> bool:
    try:
        with transaction.atomic():
            _call(world, action, case, actor)
            raise Rollback
    except Rollback:
        return True
    except (ValidationError, PermissionDenied, Http404):
        return False


@pytest.mark.parametrize("action", ACTOR_ACTIONS)
def test_every_state_and_role(world, action):
    sources, target = TRANSITIONS[action]
    level = "street" if action in STREET_ACTIONS else "community"
    for status in Status.values:
        case = _prepare(world, action, status)
        roles = Role.values if status in sources else sorted(ACTION_ROLES[action] & set(Role.values))
        for role in roles:
            actor = world["users"][level, role]
            expected = status in sources and role in ACTION_ROLES[action]
            assert _attempt(world, action, case, actor) is expected, (action, status, role)
            case.refresh_from_db()
            assert case.status == status  # rolled back either way


@pytest.mark.parametrize("action", ACTOR_ACTIONS)
def test_allowed_action_reaches_its_target(world, action):
    sources, target = TRANSITIONS[action]
    level = "street" if action in STREET_ACTIONS else "community"
    role = sorted(ACTION_ROLES[action] & set(Role.values))[0]
    for status in sources:
        case = _prepare(world, action, status)
        _call(world, action, case, world["users"][level, role])
        case.refresh_from_db()
        assert case.status == target, (action, status)


@pytest.mark.parametrize("status", Status.values)
def test_rating_only_after_reply(world, status):
    case = _prepare(world, Action.RATE, status)
    try:
        with transaction.atomic():
            services.case_rate(case=case, source_case=case, value=RatingValue.SATISFIED)
            raise Rollback
    except Rollback:
        allowed = True
    except ValidationError:
        allowed = False
    assert allowed is (status == Status.REPLIED)


@pytest.mark.parametrize("status", Status.values)
def test_unrated_close_only_from_replied_after_the_window(world, status):
    case = _prepare(world, Action.CLOSE_UNRATED, status)
    case.steps.update_or_create(
        step=Step.RATE,
        round=0,
        defaults={"due_at": timezone.now() - dt.timedelta(hours=1), "area_path": case.area_path},
    )
    services.case_close(actor=None, case=case)
    case.refresh_from_db()
    assert (case.status == Status.CLOSED) is (status in (Status.REPLIED, Status.CLOSED))


def test_every_action_has_roles_and_sources():
    assert set(TRANSITIONS) == set(Action.values) == set(ACTION_ROLES)
    assert Unit  # the walk uses real units
    assert Case


def test_deleting_the_default_deadline_rules_does_not_break_intake(tree):
    from yishi.workdays.models import DeadlineRule

    DeadlineRule.objects.filter(process="cases").delete()
    case = make_case(tree.building)
    step = case.steps.get(step=Step.ACCEPT)
    assert step.due_at > case.submitted_at


def test_rating_window_comes_from_the_rate_settings(world):
    from yishi.cases.models import RateSettings

    RateSettings.objects.create(rating_window_days=3)
    case = _prepare(world, Action.REPLY, Status.RESOLVED)
    staff = world["users"]["community", Role.COMMUNITY_STAFF]
    reply = services.case_reply(actor=staff, case=case, channel=ReplyChannel.PHONE, text="已电话告知")
    step = case.steps.get(step=Step.RATE)
    assert step.due_at == reply.replied_at + dt.timedelta(days=3)


def test_each_step_tells_whoever_acts_next(world, django_capture_on_commit_callbacks):
    """Intake tells the dispatchers, a referral and a supervised close tell the reporter, a joint meeting
    tells the units invited."""
    from yishi.notifications.models import Notification

    tree = world["tree"]
    reporter = user_with_role("resident", tree.building, username="reporter-x")
    staff = world["users"]["community", Role.COMMUNITY_STAFF]
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(tree.building, category=world["category"], reporter=reporter.person)
    assert Notification.objects.filter(recipient=staff, verb="case.submit").exists()
    force_status(case, Status.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_refer_council(actor=staff, case=case, note="公共事务")
    assert Notification.objects.filter(recipient=reporter, verb="case.refer_council").exists()
    dept_user = user_with_role("department_staff", tree.street, unit=world["dept"], username="dept-x")
    other = force_status(make_case(tree.building, category=world["category"]), Status.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_joint(
            actor=staff,
            case=other,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            location="会议室",
            participants=[(None, world["dept"], "辖区单位"), (None, world["other"], "辖区单位")],
        )
    assert Notification.objects.filter(recipient=dept_user, verb="case.joint").exists()


def test_a_joint_meeting_cannot_be_called_in_the_past(world):
    staff = world["users"]["community", Role.COMMUNITY_STAFF]
    case = force_status(make_case(world["tree"].building, category=world["category"]), Status.ACCEPTED)
    with pytest.raises(ValidationError) as exc:
        services.case_joint(
            actor=staff,
            case=case,
            scheduled_at=timezone.now() - dt.timedelta(days=2),
            location="会议室",
            participants=[(None, world["dept"], "a"), (None, world["other"], "b")],
        )
    assert "scheduled_at" in exc.value.message_dict
