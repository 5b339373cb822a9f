"""REST API of the council: ``/api/v1/councils/`` and ``/api/v1/topics/`` with one POST action per service.

Reads are scoped like the pages (outside the user's scope is a 404); every write calls the same service.
"""

from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yishi.areas.models import Unit
from yishi.cases.models import Case
from yishi.meetings.models import Meeting

from . import selectors, services
from .models import Council, ScopeItem, Topic, TopicSource


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


class TaskSerializer(serializers.Serializer):
    title = serializers.CharField()
    owner_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    working_days = serializers.IntegerField(min_value=1, max_value=1000)
    measure = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    target_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)


class TasksSerializer(serializers.Serializer):
    tasks = TaskSerializer(many=True)


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """议事会 of the user's areas."""

    serializer_class = CouncilSerializer

    def get_queryset(self):
        return selectors.council_list(user=self.request.user).order_by("-pk")


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
            "close_opinions": EmptySerializer,
            "put_on_agenda": AgendaSerializer,
            "open_vote": OpenVoteSerializer,
            "record_vote": ReasonSerializer,
            "start_followup": TasksSerializer,
            "escalate": ReasonSerializer,
            "answer": AnswerSerializer,
            "complete": SummarySerializer,
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
        return self._done(services.topic_close_opinions(actor=request.user, topic=topic))

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
    def complete(self, request, pk=None):
        topic = self.get_object()
        return self._done(services.topic_complete(actor=request.user, topic=topic, **self._data(request)))


def register(router) -> None:
    """Register the council's viewsets on the ``/api/v1/`` router."""
    router.register("councils", CouncilViewSet, basename="council")
    router.register("topics", TopicViewSet, basename="topic")
