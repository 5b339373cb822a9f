"""REST API of opinions: ``/api/v1/opinions/`` — list by subject, give one (any channel), record research.

Everything goes through the same services as the pages; a subject or opinion out of scope is a 404.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yishi.accounts.models import Person
from yishi.areas.models import Unit
from yishi.core import permissions
from yishi.core.masking import mask_name
from yishi.meetings.models import Meeting

from . import selectors, services
from .models import Opinion, OpinionChannel, Research, ResearchConclusion
from .views import load_subject


class ResearchSerializer(serializers.ModelSerializer):
    researcher_name = serializers.CharField(source="researcher.name", read_only=True)

    class Meta:
        model = Research
        fields = ["researcher", "researcher_name", "method", "finding", "conclusion", "reason", "done_at"]
        read_only_fields = fields


class OpinionSerializer(serializers.ModelSerializer):
    author_label = serializers.SerializerMethodField()
    party_badge = serializers.BooleanField(read_only=True)
    research = ResearchSerializer(read_only=True)
    subject_type = serializers.IntegerField(source="subject_type_id", read_only=True)

    class Meta:
        model = Opinion
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "channel",
            "author_label",
            "party_badge",
            "text",
            "meeting",
            "created_at",
            "research",
        ]
        read_only_fields = fields

    def get_author_label(self, opinion) -> str:
        """Full name for staff of the area; masked for everyone else (a unit's name is shown as is)."""
        user = self.context["request"].user
        if permissions.can(user, permissions.CHANGE_OPINION, opinion):
            return opinion.display_name
        if opinion.author_unit_id and not opinion.author_id:
            return opinion.author_unit.name
        return mask_name(opinion.display_name)


class OpinionCreateSerializer(serializers.Serializer):
    content_type = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    object_id = serializers.CharField(max_length=64)
    channel = serializers.ChoiceField(choices=OpinionChannel.choices, default=OpinionChannel.ONLINE)
    text = serializers.CharField(allow_blank=True, max_length=2000)
    author = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    author_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    author_name = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    shows_party_identity = serializers.BooleanField(required=False, allow_null=True, default=None)
    meeting = serializers.IntegerField(required=False, allow_null=True, default=None)


class ResearchCreateSerializer(serializers.Serializer):
    researcher = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": _("请从列表中选择调研人。")},
    )
    method = serializers.CharField(allow_blank=True, required=False, default="")
    finding = serializers.CharField(allow_blank=True, required=False, default="")
    conclusion = serializers.ChoiceField(choices=ResearchConclusion.choices, required=False, default="")
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class OpinionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """意见. ``?content_type=<id>&object_id=<id>`` lists one subject's opinions."""

    serializer_class = OpinionSerializer

    def get_queryset(self):
        qs = selectors.opinion_list(user=self.request.user)
        ct, oid = self.request.query_params.get("content_type"), self.request.query_params.get("object_id")
        if self.action == "list" and ct and oid:
            if not ct.isdigit() or len(ct) > 9:  # beyond any id: nothing (and no overflow)
                return qs.none()
            qs = qs.filter(subject_type_id=int(ct), subject_id=oid)
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return OpinionCreateSerializer
        if self.action == "research":
            return ResearchCreateSerializer
        return OpinionSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject = load_subject(data["content_type"], data["object_id"], user=request.user)
        meeting = None
        if data["meeting"] is not None:
            meeting = Meeting.objects.filter(pk=data["meeting"]).first()
            if meeting is None:
                raise serializers.ValidationError({"meeting": [_("会议不存在。")]})
        opinion = services.opinion_submit(
            actor=request.user,
            subject=subject,
            text=data["text"],
            channel=data["channel"],
            author=data.get("author"),
            author_unit=data.get("author_unit"),
            author_name=data["author_name"],
            shows_party_identity=data["shows_party_identity"],
            meeting=meeting,
        )
        return Response(
            OpinionSerializer(opinion, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"])
    def research(self, request, pk=None):
        opinion = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.research_record(actor=request.user, opinion=opinion, **serializer.validated_data)
        opinion = selectors.opinions_for_all().get(pk=opinion.pk)
        return Response(OpinionSerializer(opinion, context=self.get_serializer_context()).data)


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("opinions", OpinionViewSet, basename="opinion")
