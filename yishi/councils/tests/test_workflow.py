"""A walk over every (status, action) pair of topics: exactly the declared transitions pass the guard."""

import pytest
from django.core.exceptions import ValidationError

from yishi.councils import services
from yishi.councils.models import Topic
from yishi.councils.workflow import TRANSITIONS, TopicAction, TopicStatus

from . import helpers as h

pytestmark = pytest.mark.django_db


def _calls(topic, actor, meeting, scope_item):
    return {
        TopicAction.ACCEPT: lambda: services.topic_scope_check(
            actor=actor, topic=topic, scope_item=scope_item, in_scope=True
        ),
        TopicAction.REFUSE: lambda: services.topic_scope_check(
            actor=actor, topic=topic, in_scope=False, reason="r"
        ),
        TopicAction.PASS_UP: lambda: services.topic_scope_check(
            actor=actor, topic=topic, in_scope=False, reason="r", pass_up=True
        ),
        TopicAction.PUBLISH: lambda: services.topic_publish(actor=actor, topic=topic, opinion_days=7),
        TopicAction.CLOSE_OPINIONS: lambda: services.topic_close_opinions(actor=actor, topic=topic),
        TopicAction.SCHEDULE: lambda: services.topic_put_on_agenda(actor=actor, topic=topic, meeting=meeting),
        TopicAction.RECORD_VOTE: lambda: services.topic_record_vote(actor=actor, topic=topic),
        TopicAction.START_FOLLOWUP: lambda: services.topic_start_followup(actor=actor, topic=topic, tasks=[]),
        TopicAction.ESCALATE: lambda: services.topic_escalate(actor=actor, topic=topic, reason="r"),
        TopicAction.ANSWER: lambda: services.topic_answer(actor=actor, topic=topic, answer="a"),
        TopicAction.COMPLETE: lambda: services.topic_complete(actor=actor, topic=topic, summary="s"),
    }


def test_every_status_action_pair(council, secretary):
    topic = h.propose(council, secretary)
    meeting = h.meeting(council, secretary)
    scope_item = council.charter.scope_items.first()
    assert set(TRANSITIONS) == set(TopicAction.values)
    for action, call in _calls(topic, secretary, meeting, scope_item).items():
        sources, _target = TRANSITIONS[action]
        for status in TopicStatus.values:
            Topic.objects.filter(pk=topic.pk).update(status=status)
            try:
                call()
            except ValidationError as exc:
                blocked = "status" in exc.message_dict
            else:
                blocked = False
            assert blocked == (status not in sources), (action, status)
