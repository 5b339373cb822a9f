"""Helpers that walk a topic through the council services (tests only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yishi.core.tests.factories import user_with_role
from yishi.councils import services
from yishi.councils.models import TopicSource
from yishi.demo.cases_data import frozen_clock
from yishi.meetings import services as meeting_services
from yishi.opinions.services import opinion_submit, research_record


def make_council(tree, actor, *, members: int = 5):
    chair = actor.person
    council = services.council_create(
        actor=actor, area=tree.community, name="裕西社区党员民情议事会", chair=chair
    )
    for i in range(members - 1):
        person = user_with_role("party_member", tree.community).person
        services.council_member_add(
            actor=actor, council=council, person=person, group=f"第{i % 2 + 1}居民小组"
        )
    return council


def propose(council, actor, title="拆除私搭乱建煤房子"):
    return services.topic_propose(
        actor=actor,
        council=council,
        title=title,
        description="结合老旧小区改造拆除煤房子",
        source=TopicSource.MEMBER,
    )


def accept(topic, actor):
    item = topic.council.charter.scope_items.get(name="老旧小区改造")
    return services.topic_scope_check(actor=actor, topic=topic, scope_item=item, in_scope=True)


def published(council, actor, *, days_ago: int = 0):
    """An accepted topic published ``days_ago`` days ago for the charter's minimum opinion period."""
    topic = accept(propose(council, actor), actor)
    with frozen_clock(timezone.now() - dt.timedelta(days=days_ago)):
        return services.topic_publish(actor=actor, topic=topic, opinion_days=council.charter.min_opinion_days)


def after_deadline(topic):
    """A clock the day after the topic's opinion deadline (a context manager)."""
    moment = timezone.make_aware(
        dt.datetime.combine(topic.opinion_deadline + dt.timedelta(days=1), dt.time(10))
    )
    return frozen_clock(moment)


def research(opinion, actor):
    return research_record(
        actor=actor,
        opinion=opinion,
        researcher=actor.person,
        method="入户走访",
        finding="可行",
        conclusion="adopt",
        reason="符合改造方案",
    )


def paper_opinion(topic, actor, text="同意拆除"):
    return opinion_submit(actor=actor, subject=topic, text=text, channel="paper_box", author_name="居民甲")


def ready(council, actor):
    """A topic whose opinion period (published in the past) is over, closed: ready for a meeting."""
    topic = published(council, actor, days_ago=council.charter.min_opinion_days + 1)
    return services.topic_close_opinions(actor=actor, topic=topic)


def meeting(council, actor):
    return services.council_meeting_adhoc(
        actor=actor, council=council, title="临时会议", scheduled_at=timezone.now() + dt.timedelta(days=1)
    )


def sign_in(meeting_, actor, count: int):
    members = list(meeting_.participants.filter(is_member=True).order_by("pk"))
    for participant in members[:count]:
        meeting_services.meeting_sign_in(actor=actor, participant=participant)
    return members


def on_agenda(council, actor, *, present: int | None = None):
    """A READY topic on the agenda of a started meeting with ``present`` members signed in (all by default)."""
    topic = ready(council, actor)
    m = meeting(council, actor)
    topic = services.topic_put_on_agenda(actor=actor, topic=topic, meeting=m)
    meeting_services.meeting_start(actor=actor, meeting=m)
    members = sign_in(m, actor, present if present is not None else m.member_count)
    return topic, m, members


def vote(topic, actor, members, choices: list[str]):
    v = services.topic_open_vote(actor=actor, topic=topic)
    for participant, choice in zip(members, choices, strict=False):
        meeting_services.vote_record(actor=actor, vote=v, participant=participant, choice=choice)
    meeting_services.vote_close(actor=actor, vote=v)
    return services.topic_record_vote(actor=actor, topic=topic)


def passed(council, actor):
    topic, m, members = on_agenda(council, actor)
    return vote(topic, actor, members, ["for"] * len(members)), m
