"""Demo data of P2: 裕西社区's 党员民情议事会 — 112 party members, the charter, 戈兆忠's coal-shed and garage topic
from proposal to published results, one topic in its opinion period and one refused as out of scope.

Everything goes through the services. Idempotent: when 裕西社区 already has its council nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from yishi.accounts.models import Person, User
from yishi.accounts.services import person_create

COMMUNITY = "裕西社区"
PARTY_MEMBERS = 112
GROUPS = (
    ("第一居民小组", "古城巷5号楼"),
    ("第二居民小组", "古城巷3号楼"),
    ("第三居民小组", "古城巷7号楼"),
    ("第四居民小组", "裕西花园1号楼"),
    ("第五居民小组", "裕西花园2号楼"),
    ("第六居民小组", "裕西第一网格"),
)
SURNAMES = "马王李张杨刘丁金田周苏何罗海沙冯"
GIVEN = ("建国", "秀英", "志刚", "桂花", "国强", "玉珍", "文军", "春燕", "永福", "晓红", "德明", "金凤")
GE_TOPIC = "结合老旧小区改造拆除私搭乱建煤房子和存在安全隐患的土车库"
TASKS = (
    ("拆除楼道煤房子（33个楼道）", "㎡", Decimal("200"), Decimal("200"), 100),
    ("拆除存在安全隐患的土车库", "个", Decimal("3"), Decimal("3"), 100),
    ("新建阳光停车棚", "处", Decimal("1"), Decimal("0"), 40),
    ("铺设柏油马路", "㎡", Decimal("7128"), Decimal("7128"), 100),
)


def _members(areas) -> list[tuple[Person, str]]:
    """The 112 party members: the seed's named ones first, then generated names spread over the groups."""
    community = areas[COMMUNITY]
    named = list(
        Person.objects.filter(home_area__path__startswith=community.path, is_party_member=True).order_by("pk")
    )
    people = [(p, GROUPS[i % len(GROUPS)][0]) for i, p in enumerate(named)]
    n = 0
    while len(people) < PARTY_MEMBERS:
        group, place = GROUPS[n % len(GROUPS)]
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
        phone = f"1390951{n:04d}"
        person = Person.objects.filter(phone=phone).first() or person_create(
            actor=None, home_area=areas[place], name=name, phone=phone, is_party_member=True
        )
        people.append((person, group))
        n += 1
    return people


def load_council(areas, units) -> int:
    """Create the council and its story; how many topics were created (0 when it already exists)."""
    from yishi.councils import services
    from yishi.councils.models import Council, TopicSource
    from yishi.demo.cases_data import frozen_clock
    from yishi.followups.services import followup_report, volunteer_signup
    from yishi.meetings import services as meetings
    from yishi.opinions.services import opinion_submit, research_record

    community = areas[COMMUNITY]
    if Council.objects.filter(area=community).exists():
        return 0
    chair = User.objects.get(username="limengqi")
    secretary = User.objects.get(username="baimei")
    staff = User.objects.get(username="wangli")
    ge = User.objects.get(username="gezhaozhong")
    dang = User.objects.get(username="danghaifeng")
    council = services.council_create(
        actor=chair, area=community, name="裕西社区党员民情议事会", chair=chair.person
    )
    for person, group in _members(areas):
        if person.pk == chair.person_id:
            continue
        capacity = "秘书" if person.pk == secretary.person_id else "党员"
        services.council_member_add(
            actor=chair, council=council, person=person, capacity=capacity, group=group
        )
    services.charter_update(
        actor=chair,
        council=council,
        quorum_rule="majority",
        threshold_rule="majority_present",
        meeting_frequency="quarterly",
        min_opinion_days=7,
        text="居民事、居民提、居民议、居民决。议事会每季度召开一次例会，一事一议，议而必决，决而必行。",
    )
    services.scope_item_add(actor=chair, council=council, name="邻里纠纷", description="楼栋内邻里之间的矛盾")
    scope = {s.name: s for s in council.charter.scope_items.all()}

    # 戈兆忠's topic, from proposal to results.
    topic = services.topic_propose(
        actor=ge,
        council=council,
        title=GE_TOPIC,
        description="老旧小区改造中，楼道私搭乱建的煤房子和土车库占用公共空间、存在消防安全隐患，建议结合改造统一拆除。",
        source=TopicSource.MEMBER,
    )
    topic = services.topic_scope_check(
        actor=chair, topic=topic, scope_item=scope["老旧小区改造"], in_scope=True
    )
    # published nine days ago: its seven-day opinion period is over when the opinions are closed today
    with frozen_clock(timezone.now() - dt.timedelta(days=9)):
        topic = services.topic_publish(actor=staff, topic=topic, opinion_days=7)
        opinions = [
            opinion_submit(
                actor=dang, subject=topic, text="同意拆除，拆除后建议统一规划停车。", channel="online"
            ),
            opinion_submit(
                actor=staff,
                subject=topic,
                text="煤房子里还存着过冬的煤，希望给时间清理。",
                channel="paper_box",
                author_name="古城巷5号楼居民",
            ),
        ]
        for opinion, conclusion in zip(opinions, ("adopt", "adopt_in_part"), strict=True):
            research_record(
                actor=staff,
                opinion=opinion,
                researcher=staff.person,
                method="入户走访",
                finding="社区工作人员逐户走访，居民普遍支持，拆除可行。",
                conclusion=conclusion,
                reason="符合改造方案；拆除前留出两周清理时间。",
            )
    topic = services.topic_close_opinions(actor=chair, topic=topic)
    meeting = services.council_meeting_adhoc(
        actor=chair,
        council=council,
        title="裕西社区党员民情议事会 专题会议",
        scheduled_at=timezone.now() - dt.timedelta(hours=2),
        location="裕西社区议事厅",
    )
    topic = services.topic_put_on_agenda(actor=chair, topic=topic, meeting=meeting)
    meetings.meeting_start(actor=chair, meeting=meeting)
    members = list(meeting.participants.filter(is_member=True).order_by("pk")[:86])
    for participant in members:
        meetings.meeting_sign_in(actor=staff, participant=participant)
    vote = services.topic_open_vote(actor=chair, topic=topic)
    for i, participant in enumerate(members):
        choice = "for" if i < 80 else ("against" if i < 83 else "abstain")
        meetings.vote_record(actor=staff, vote=vote, participant=participant, choice=choice)
    meetings.vote_close(actor=chair, vote=vote)
    meeting.refresh_from_db()
    said = opinion_submit(
        actor=staff,
        subject=topic,
        text="拆除后要及时清运垃圾。",
        channel="meeting",
        meeting=meeting,
        author=ge.person,
    )
    research_record(
        actor=staff,
        opinion=said,
        researcher=staff.person,
        method="现场查看",
        finding="清运车辆已协调",
        conclusion="adopt",
        reason="纳入施工方案",
    )
    meetings.meeting_record(
        actor=chair,
        meeting=meeting,
        minutes="应到112人，实到86人。议题经表决通过。",
        outcome="通过拆除煤房子和土车库的议题",
    )
    topic = services.topic_record_vote(actor=chair, topic=topic)
    committee = units["裕西社区居民委员会"]
    parent = services.topic_start_followup(
        actor=chair,
        topic=topic,
        tasks=[
            {"title": t, "owner_unit": committee, "working_days": 15, "measure": m, "target_value": target}
            for t, m, target, _a, _p in TASKS
        ],
    )
    children = list(parent.children.order_by("pk"))
    for person in (ge, dang):
        volunteer_signup(actor=person, followup=children[0], note="周末可以帮忙清运")
    for child, (_t, _m, _target, actual, progress) in zip(children, TASKS, strict=True):
        followup_report(
            actor=staff,
            followup=child,
            progress=progress,
            note="按计划推进" if progress < 100 else "已完成",
            actual_value=actual,
        )
    services.topic_publish_progress(actor=chair, topic=topic)

    # One topic in its opinion period, one refused as out of scope.
    parking = services.topic_propose(
        actor=dang,
        council=council,
        title="裕西花园增设电动自行车充电桩",
        description="楼道飞线充电有火灾隐患，建议在裕西花园增设集中充电桩。",
        source=TopicSource.MEMBER,
    )
    parking = services.topic_scope_check(
        actor=chair, topic=parking, scope_item=scope["消防安全"], in_scope=True
    )
    services.topic_publish(actor=staff, topic=parking, opinion_days=10)
    fee = services.topic_propose(
        actor=staff,
        council=council,
        title="调整小区物业服务收费标准",
        description="有居民提出物业费过高。",
        source=TopicSource.RESIDENT,
    )
    services.topic_scope_check(
        actor=chair,
        topic=fee,
        in_scope=False,
        reason="物业服务收费标准由业主大会与物业公司依法协商确定，不属于议事会议事范围。",
    )
    services.council_schedule_regular(actor=chair, council=council)
    return 3
