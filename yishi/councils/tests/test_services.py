"""The council's rules, through its services (and the shared meeting, opinion and follow-up services)."""

import ast
import datetime as dt
import pathlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yishi.core.tests.factories import UnitFactory
from yishi.councils import services
from yishi.councils.models import Topic, TopicSource
from yishi.councils.workflow import TopicStatus
from yishi.followups.services import followup_report
from yishi.meetings import services as meeting_services
from yishi.meetings.models import Meeting
from yishi.notices.models import Notice
from yishi.opinions.models import Opinion
from yishi.opinions.services import opinion_submit

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_council_has_a_default_charter_and_one_per_community(council, secretary, tree):
    assert council.charter.quorum_rule == "majority"
    assert set(council.charter.scope_items.values_list("name", flat=True)) >= {"老旧小区改造", "停车管理"}
    assert council.active_members().count() == 5
    with pytest.raises(ValidationError) as exc:
        services.council_create(actor=secretary, area=tree.community, name="第二个", chair=secretary.person)
    assert "area" in exc.value.message_dict


def test_out_of_scope_topic_is_refused_with_published_reason(council, secretary):
    topic = h.propose(council, secretary, title="调整小区物业费标准")
    with pytest.raises(ValidationError) as exc:
        services.topic_scope_check(actor=secretary, topic=topic, in_scope=False)
    assert "reason" in exc.value.message_dict
    topic = services.topic_scope_check(
        actor=secretary, topic=topic, in_scope=False, reason="物业费由业主大会决定"
    )
    assert topic.status == TopicStatus.REFUSED
    notice = Notice.objects.get(title__contains="不予议事")
    assert "物业费由业主大会决定" in notice.body
    with pytest.raises(ValidationError) as exc:
        h.accept(topic, secretary)
    assert "status" in exc.value.message_dict


def test_in_scope_needs_a_scope_item_of_this_charter(council, secretary):
    topic = h.propose(council, secretary)
    with pytest.raises(ValidationError) as exc:
        services.topic_scope_check(actor=secretary, topic=topic, in_scope=True)
    assert "scope_item" in exc.value.message_dict
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PROPOSED


def test_pass_up_records_the_street(council, secretary, tree):
    topic = h.propose(council, secretary)
    topic = services.topic_scope_check(
        actor=secretary, topic=topic, in_scope=False, reason="涉及全镇", pass_up=True
    )
    assert topic.status == TopicStatus.PASSED_UP and topic.escalated_to == tree.street


def test_publish_respects_the_minimum_opinion_period(council, secretary):
    topic = h.accept(h.propose(council, secretary), secretary)
    with pytest.raises(ValidationError) as exc:
        services.topic_publish(
            actor=secretary, topic=topic, opinion_days=council.charter.min_opinion_days - 1
        )
    assert "opinion_days" in exc.value.message_dict
    topic = services.topic_publish(actor=secretary, topic=topic, opinion_days=10)
    assert topic.status == TopicStatus.PUBLISHED and topic.notice.kind == "topic"
    assert topic.opinion_window_open()
    assert not topic.opinion_window_open(today=topic.opinion_deadline + dt.timedelta(days=1))


def test_opinions_refused_outside_the_opinion_period(council, secretary, resident):
    topic = h.accept(h.propose(council, secretary), secretary)
    with pytest.raises(ValidationError):
        opinion_submit(actor=resident, subject=topic, text="同意", channel="online")
    topic = services.topic_publish(actor=secretary, topic=topic, opinion_days=7)
    opinion_submit(actor=resident, subject=topic, text="同意", channel="online")


def test_closing_opinions_refused_while_a_collected_opinion_lacks_research(council, secretary, resident):
    topic = h.published(council, secretary)
    online = opinion_submit(actor=resident, subject=topic, text="同意拆除", channel="online")
    paper = h.paper_opinion(topic, secretary)
    with h.after_deadline(topic):
        with pytest.raises(ValidationError) as exc:
            services.topic_close_opinions(actor=secretary, topic=topic)
        assert "2" in exc.value.message_dict["opinions"][0]
        h.research(online, secretary)
        with pytest.raises(ValidationError) as exc:
            services.topic_close_opinions(actor=secretary, topic=topic)
        assert "1" in exc.value.message_dict["opinions"][0]
        h.research(paper, secretary)
        assert services.topic_close_opinions(actor=secretary, topic=topic).status == TopicStatus.READY


def test_vote_refused_while_a_collected_opinion_lacks_research(council, secretary):
    topic, _m, _members = h.on_agenda(council, secretary)
    Opinion.objects.create(  # e.g. a paper opinion found late, entered by an import
        subject=topic, area_path=topic.scope_path, channel="paper_box", author_name="居民乙", text="补充意见"
    )
    with pytest.raises(ValidationError) as exc:
        services.topic_open_vote(actor=secretary, topic=topic)
    assert "opinions" in exc.value.message_dict
    assert not topic.agenda_item.votes.exists()


def test_vote_refused_without_quorum(council, secretary):
    topic, m, _members = h.on_agenda(council, secretary, present=2)  # 2 of 5: no majority
    with pytest.raises(ValidationError) as exc:
        services.topic_open_vote(actor=secretary, topic=topic)
    assert "quorum" in exc.value.message_dict
    h.sign_in(m, secretary, 3)
    assert services.topic_open_vote(actor=secretary, topic=topic).present == 3


@pytest.mark.parametrize(
    ("rule", "choices", "expected"),
    [
        ("majority_present", ["for", "for", "against", "against"], TopicStatus.REJECTED),  # a tie fails
        (
            "majority_present",
            ["for", "for", "abstain", "against"],
            TopicStatus.REJECTED,
        ),  # abstain is not for
        ("majority_present", ["for", "for", "for", "abstain"], TopicStatus.PASSED),
        ("two_thirds_present", ["for", "for", "against"], TopicStatus.PASSED),  # 2*3 >= 2*3
        ("two_thirds_present", ["for", "for", "abstain", "against"], TopicStatus.REJECTED),  # 2 of 4
        ("majority_members", ["for", "for", "abstain"], TopicStatus.REJECTED),  # 2 of 5 members
        ("majority_members", ["for", "for", "for"], TopicStatus.PASSED),  # 3 of 5 members
    ],
)
def test_thresholds_through_a_council_meeting(council, secretary, rule, choices, expected):
    charter = council.charter
    services.charter_update(
        actor=secretary,
        council=council,
        quorum_rule="majority",
        threshold_rule=rule,
        meeting_frequency="quarterly",
        min_opinion_days=7,
        text="",
    )
    topic, m, members = h.on_agenda(council, secretary, present=len(choices))
    assert m.threshold_rule == rule and charter.pk
    topic = h.vote(topic, secretary, members, choices)
    assert topic.status == expected
    if expected == TopicStatus.REJECTED:
        assert Notice.objects.filter(title__contains="议题未通过", kind="council_result").exists()


def test_followup_refused_while_a_meeting_opinion_lacks_research(council, secretary, tree):
    topic, m = h.passed(council, secretary)
    m.refresh_from_db()
    said = opinion_submit(
        actor=secretary,
        subject=topic,
        text="注意施工安全",
        channel="meeting",
        meeting=m,
        author_name="党海凤",
    )
    unit = UnitFactory(area=tree.community)
    tasks = [
        {"title": "拆除煤房子", "owner_unit": unit, "working_days": 5, "measure": "㎡", "target_value": 200}
    ]
    with pytest.raises(ValidationError) as exc:
        services.topic_start_followup(actor=secretary, topic=topic, tasks=tasks)
    assert "opinions" in exc.value.message_dict
    h.research(said, secretary)
    parent = services.topic_start_followup(actor=secretary, topic=topic, tasks=tasks)
    assert parent.children.count() == 1
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.IN_FOLLOWUP


def test_bad_task_is_a_field_error_and_nothing_is_saved(council, secretary):
    from yishi.followups.models import FollowUp

    topic, _m = h.passed(council, secretary)
    with pytest.raises(ValidationError) as exc:
        services.topic_start_followup(actor=secretary, topic=topic, tasks=[{"title": "无人负责的任务"}])
    assert "tasks" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.topic_start_followup(actor=secretary, topic=topic, tasks=[])
    assert not FollowUp.objects.exists()
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PASSED


def test_complete_needs_done_followups_and_publishes_targets_and_actuals(council, secretary, tree):
    topic, _m = h.passed(council, secretary)
    unit = UnitFactory(area=tree.community)
    parent = services.topic_start_followup(
        actor=secretary,
        topic=topic,
        tasks=[
            {
                "title": "铺设柏油马路",
                "owner_unit": unit,
                "working_days": 5,
                "measure": "㎡",
                "target_value": 7128,
            }
        ],
    )
    with pytest.raises(ValidationError) as exc:
        services.topic_complete(actor=secretary, topic=topic, summary="完成")
    assert "summary" in exc.value.message_dict
    child = parent.children.get()
    followup_report(
        actor=secretary, followup=child, progress=100, note="已完工", actual_value=Decimal("7128")
    )
    topic = services.topic_complete(actor=secretary, topic=topic, summary="道路铺设完成")
    assert topic.status == TopicStatus.DONE
    notice = Notice.objects.get(kind="council_result")
    assert "铺设柏油马路：目标 7128 ㎡，实际 7128 ㎡" in notice.body


def test_escalate_and_answer(council, secretary):
    topic, _m = h.passed(council, secretary)
    with pytest.raises(ValidationError):
        services.topic_escalate(actor=secretary, topic=topic, reason="")
    topic = services.topic_escalate(actor=secretary, topic=topic, reason="需街道协调资金")
    assert topic.status == TopicStatus.ESCALATED
    topic = services.topic_answer(actor=secretary, topic=topic, answer="街道已列入明年计划")
    assert topic.status == TopicStatus.DONE


def test_regular_meetings_for_four_quarters_idempotent(council, secretary):
    created = services.council_schedule_regular(actor=secretary, council=council, start=dt.date(2025, 2, 1))
    assert [m.scheduled_at.date().isoformat()[:7] for m in created] == [
        "2025-04",
        "2025-07",
        "2025-10",
        "2026-01",
    ]
    m = created[0]
    assert m.is_regular and m.member_count == 5 and m.quorum_rule == council.charter.quorum_rule
    assert m.participants.filter(is_member=True).count() == 5
    assert (
        services.council_schedule_regular(actor=secretary, council=council, start=dt.date(2025, 2, 1)) == []
    )
    assert services.schedule_regular_meetings(today=dt.date(2025, 2, 1)) == 0


def test_put_on_agenda_only_meetings_of_this_council(council, secretary, tree):
    topic = h.ready(council, secretary)
    other = meeting_services.meeting_schedule(
        actor=secretary,
        kind="other",
        area=tree.community,
        title="别的会",
        scheduled_at=dt.datetime.now(dt.UTC),
    )
    with pytest.raises(ValidationError) as exc:
        services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=other)
    assert "meeting" in exc.value.message_dict


def test_residents_propose_as_themselves_but_cannot_run_the_council(council, resident, secretary):
    topic = services.topic_propose(
        actor=resident,
        council=council,
        title="楼道堆物",
        description="清理楼道",
        source=TopicSource.CASE,
        proposer=secretary.person,
    )
    assert topic.source == TopicSource.RESIDENT and topic.proposer == resident.person
    with pytest.raises(PermissionDenied):
        h.accept(topic, resident)


def test_outsiders_get_404(council, outsider, secretary):
    topic = h.propose(council, secretary)
    with pytest.raises(Http404):
        services.topic_propose(actor=outsider, council=council, title="x", description="y", source="member")
    with pytest.raises(Http404):
        h.accept(topic, outsider)


def test_case_referred_to_council_becomes_a_topic(council, secretary, tree):
    from yishi.cases.tests.factories import force_status, make_case
    from yishi.cases.workflow import Status

    case = make_case(area=tree.building)
    with pytest.raises(ValidationError) as exc:
        services.topic_propose(
            actor=secretary, council=council, title="t", description="d", source="case", source_case=case
        )
    assert "source_case" in exc.value.message_dict
    force_status(case, Status.IN_COUNCIL)
    topic = services.topic_propose(
        actor=secretary, council=council, title="t", description="d", source="case", source_case=case
    )
    assert topic.source_case == case


def test_shared_apps_never_import_the_council():
    root = pathlib.Path(__file__).resolve().parents[2]
    for app in ("meetings", "opinions", "followups"):
        for path in (root / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                assert not any(n.startswith("yishi.councils") for n in names), path


def test_meeting_rules_are_copied(council, secretary):
    m = h.meeting(council, secretary)
    assert isinstance(m, Meeting) and m.threshold_rule == council.charter.threshold_rule
