"""REST API of the council: ``/api/v1/councils/`` and ``/api/v1/topics/`` with one POST action per service.

Reads are scoped like the pages (outside the user's scope is a 404); every write calls the same service.
"""

from django.http import Http404
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yishi.accounts.models import Person
from yishi.areas.models import Unit
from yishi.cases.models import Case
from yishi.core import permissions
from yishi.core.api import DateTimeField
from yishi.meetings.models import Meeting, QuorumRule, ThresholdRule

from . import selectors, services
from .models import Council, MeetingFrequency, ScopeItem, Topic, TopicSource


class CouncilSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    chair_name = serializers.CharField(source="chair.name", read_only=True)

    class Meta:
        model = Council
        fields = ["id", "area", "area_name", "name", "chair", "chair_name", "created_at"]
        read_only_fields = fields


class TopicSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    scope_item_name = serializers.CharField(source="scope_item.name", read_only=True, default="")

    class Meta:
        model = Topic
        fields = [
            "id",
            "council",
            "title",
            "description",
            "source",
            "status",
            "status_label",
            "scope_item",
            "scope_item_name",
            "refusal_reason",
            "opinion_deadline",
            "notice",
            "agenda_item",
            "decision",
            "escalation_answer",
            "result_summary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=TopicSource.choices, default=TopicSource.MEMBER)
    source_case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.all(), required=False, allow_null=True
    )


class ScopeCheckSerializer(serializers.Serializer):
    in_scope = serializers.BooleanField()
    scope_item = serializers.PrimaryKeyRelatedField(
        queryset=ScopeItem.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    pass_up = serializers.BooleanField(required=False, default=False)


class PublishSerializer(serializers.Serializer):
    opinion_days = serializers.IntegerField()


class EmptySerializer(serializers.Serializer):
    pass


class CloseOpinionsSerializer(serializers.Serializer):
    early = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AgendaSerializer(serializers.Serializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())


class OpenVoteSerializer(serializers.Serializer):
    secret = serializers.BooleanField(required=False, default=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class SummarySerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    """A person the requesting user may see (anyone else is "does not exist", like a missing one)."""

    def get_queryset(self):
        user = self.context["request"].user
        return permissions.scoped(Person.objects.all(), user, permissions.VIEW_PERSON, "home_area__path")


class TaskSerializer(serializers.Serializer):
    title = serializers.CharField()
    owner_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    owner_person = VisiblePersonField(queryset=Person.objects.none(), required=False, allow_null=True)
    working_days = serializers.IntegerField(min_value=1, max_value=1000)
    measure = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    target_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)


class TasksSerializer(serializers.Serializer):
    tasks = TaskSerializer(many=True)


class CharterSerializer(serializers.Serializer):
    quorum_rule = serializers.ChoiceField(choices=QuorumRule.choices)
    threshold_rule = serializers.ChoiceField(choices=ThresholdRule.choices)
    meeting_frequency = serializers.ChoiceField(choices=MeetingFrequency.choices)
    min_opinion_days = serializers.IntegerField(min_value=0, max_value=365)
    text = serializers.CharField(required=False, allow_blank=True, default="")


class CharterOutSerializer(serializers.Serializer):
    quorum_rule = serializers.CharField()
    threshold_rule = serializers.CharField()
    meeting_frequency = serializers.CharField()
    min_opinion_days = serializers.IntegerField()
    text = serializers.CharField()
    scope_items = serializers.SerializerMethodField()

    def get_scope_items(self, charter):
        return [{"id": s.pk, "name": s.name, "description": s.description} for s in charter.scope_items.all()]


class ScopeItemInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, allow_blank=True)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class MemberAddSerializer(serializers.Serializer):
    person = VisiblePersonField(queryset=Person.objects.none())
    capacity = serializers.CharField(max_length=40, required=False, default="党员")
    group = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class MemberRefSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class PartyMembersSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ScheduleRegularSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, allow_null=True, default=None)


class ScheduleAdhocSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, allow_blank=True)
    scheduled_at = DateTimeField()
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class InviteSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    person = VisiblePersonField(queryset=Person.objects.none())
    capacity = serializers.CharField(max_length=60, required=False, default="列席")


def _members_out(council):
    return [
        {"id": m.pk, "person": m.person_id, "name": m.person.name, "capacity": m.capacity, "group": m.group}
        for m in council.active_members().order_by("pk")
    ]


def _meetings_out(meetings):
    return [
        {"id": m.pk, "title": m.title, "scheduled_at": m.scheduled_at, "is_regular": m.is_regular}
        for m in meetings
    ]


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """议事会 of the user's areas. Its staff set it up with POST actions on ``/councils/<id>/<action>/``:
    ``charter``, ``scope_items``, ``members``, ``remove_member``, ``add_party_members``, ``schedule_regular``,
    ``schedule_adhoc``, ``invite``."""

    serializer_class = CouncilSerializer

    def get_queryset(self):
        return selectors.council_list(user=self.request.user).order_by("-pk")

    def get_serializer_class(self):
        return {
            "charter": CharterSerializer,
            "scope_items": ScopeItemInSerializer,
            "members": MemberAddSerializer,
            "remove_member": MemberRefSerializer,
            "add_party_members": PartyMembersSerializer,
            "schedule_regular": ScheduleRegularSerializer,
            "schedule_adhoc": ScheduleAdhocSerializer,
            "invite": InviteSerializer,
        }.get(self.action, CouncilSerializer)

    def _data(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _council(self):
        return selectors.council_get(user=self.request.user, pk=self.get_object().pk)

    @action(detail=True, methods=["get", "post"])
    def charter(self, request, pk=None):
        council = self._council()
        if request.method == "POST":
            services.charter_update(actor=request.user, council=council, **self._data(request))
        return Response(CharterOutSerializer(Council.objects.get(pk=council.pk).charter).data)

    @action(detail=True, methods=["post"])
    def scope_items(self, request, pk=None):
        council = self._council()
        item = services.scope_item_add(actor=request.user, council=council, **self._data(request))
        return Response(
            {"id": item.pk, "name": item.name, "description": item.description},
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        council = self._council()
        if request.method == "POST":
            member = services.council_member_add(actor=request.user, council=council, **self._data(request))
            return Response(
                {
                    "id": member.pk,
                    "person": member.person_id,
                    "capacity": member.capacity,
                    "group": member.group,
                },
                status=status.HTTP_201_CREATED,
            )
        return Response(_members_out(council))

    @action(detail=True, methods=["post"])
    def remove_member(self, request, pk=None):
        council = self._council()
        member = council.members.filter(pk=self._data(request)["member"]).first()
        if member is None:
            raise Http404
        member = services.council_member_remove(actor=request.user, member=member)
        return Response({"id": member.pk, "left_on": member.left_on})

    @action(detail=True, methods=["post"])
    def add_party_members(self, request, pk=None):
        council = self._council()
        added = services.council_members_add_party(actor=request.user, council=council, **self._data(request))
        return Response({"added": len(added)}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def schedule_regular(self, request, pk=None):
        council = self._council()
        meetings = services.council_schedule_regular(
            actor=request.user, council=council, **self._data(request)
        )
        return Response(_meetings_out(meetings), status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def schedule_adhoc(self, request, pk=None):
        council = self._council()
        meeting = services.council_meeting_adhoc(actor=request.user, council=council, **self._data(request))
        return Response(_meetings_out([meeting])[0], status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        council = self._council()
        data = self._data(request)
        meeting = selectors.council_meetings(council).filter(pk=data.pop("meeting")).first()
        if meeting is None:
            raise Http404
        participant = services.council_invite(actor=request.user, meeting=meeting, **data)
        return Response(
            {"id": participant.pk, "person": participant.person_id, "capacity": participant.capacity},
            status=status.HTTP_201_CREATED,
        )


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """议题. POST ``/topics/`` proposes one; each action is a POST on ``/topics/<id>/<action>/``."""

    serializer_class = TopicSerializer

    def get_queryset(self):
        return selectors.topic_list(user=self.request.user).order_by("-pk")

    def get_serializer_class(self):
        return {
            "create": ProposeSerializer,
            "scope_check": ScopeCheckSerializer,
            "publish": PublishSerializer,
            "close_opinions": CloseOpinionsSerializer,
            "put_on_agenda": AgendaSerializer,
            "open_vote": OpenVoteSerializer,
            "record_vote": ReasonSerializer,
            "start_followup": TasksSerializer,
            "escalate": ReasonSerializer,
            "answer": AnswerSerializer,
            "complete": SummarySerializer,
            "publish_progress": EmptySerializer,
        }.get(self.action, TopicSerializer)

    def _data(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _done(self, topic, code=status.HTTP_200_OK):
        topic = Topic.objects.get(pk=topic.pk)
        return Response(TopicSerializer(topic).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._data(request)
        council = selectors.council_get(user=request.user, pk=data.pop("council").pk)
        topic = services.topic_propose(actor=request.user, council=council, **data)
        return self._done(topic, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def scope_check(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_scope_check(actor=request.user, topic=topic, **self._data(request)))

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_publish(actor=request.user, topic=topic, **self._data(request)))

    @action(detail=True, methods=["post"])
    def close_opinions(self, request, pk=None):
        topic = self.get_object()
        return self._done(
            services.topic_close_opinions(actor=request.user, topic=topic, **self._data(request))
        )

    @action(detail=True, methods=["post"])
    def put_on_agenda(self, request, pk=None):
        topic = self.get_object()
        return self._done(
            services.topic_put_on_agenda(actor=request.user, topic=topic, **self._data(request))
        )

    @action(detail=True, methods=["post"])
    def open_vote(self, request, pk=None):
        topic = self.get_object()
        vote = services.topic_open_vote(actor=request.user, topic=topic, **self._data(request))
        return Response({"vote": vote.pk, "present": vote.present}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def record_vote(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_record_vote(actor=request.user, topic=topic, **self._data(request)))

    @action(detail=True, methods=["post"])
    def start_followup(self, request, pk=None):
        topic = self.get_object()
        services.topic_start_followup(actor=request.user, topic=topic, tasks=self._data(request)["tasks"])
        return self._done(topic)

    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_escalate(actor=request.user, topic=topic, **self._data(request)))

    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_answer(actor=request.user, topic=topic, **self._data(request)))

    @action(detail=True, methods=["post"])
    def publish_progress(self, request, pk=None):
        topic = self.get_object()
        notice = services.topic_publish_progress(actor=request.user, topic=topic)
        return Response({"notice": notice.pk, "title": notice.title}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_complete(actor=request.user, topic=topic, **self._data(request)))


def register(router) -> None:
    """Register the council's viewsets on the ``/api/v1/`` router."""
    router.register("councils", CouncilViewSet, basename="council")
    router.register("topics", TopicViewSet, basename="topic")
