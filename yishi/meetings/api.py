"""REST API of meetings: ``/api/v1/meetings/`` and ``/api/v1/meeting-votes/``.

Serializers only shape input; every write is one call of a ``meetings.services`` function, the same the pages
call. Service errors are 400 field errors; a meeting out of the user's scope is a 404 like a missing one; a
viewer who may not run the meeting gets 403. The sign-in code is shown only to those who run the meeting.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit
from yishi.core import permissions
from yishi.core.api import CursorPagination, DateTimeField

from . import selectors, services
from .models import (
    AgendaItem,
    Ballot,
    Choice,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    QuorumRule,
    ThresholdRule,
    Vote,
    VoteStatus,
)

# ---------------------------------------------------------------- output


class MeetingBallotSerializer(serializers.ModelSerializer):
    participant_name = serializers.CharField(source="participant.__str__", read_only=True)

    class Meta:
        model = Ballot
        fields = ["participant", "participant_name", "choice"]
        read_only_fields = fields


class MeetingVoteSerializer(serializers.ModelSerializer):
    """A vote; tallies and ballots (named votes only) once it is closed, the number of ballots cast while open."""

    cast = serializers.SerializerMethodField()
    ballots = serializers.SerializerMethodField()

    class Meta:
        model = Vote
        fields = [
            "id",
            "agenda_item",
            "secret",
            "threshold_rule",
            "status",
            "cast",
            "present",
            "members",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "result",
            "opened_at",
            "closed_at",
            "ballots",
        ]
        read_only_fields = fields

    def get_cast(self, vote) -> int:
        return len(vote.receipts.all())

    def get_ballots(self, vote) -> list[dict]:
        if vote.secret or vote.status != VoteStatus.CLOSED:
            return []
        return MeetingBallotSerializer(vote.ballots.all(), many=True).data

    def to_representation(self, vote):
        data = super().to_representation(vote)
        if vote.status == VoteStatus.OPEN:
            for key in ("votes_for", "votes_against", "votes_abstain"):
                data[key] = None
        return data


class MeetingAgendaItemSerializer(serializers.ModelSerializer):
    subject_type = serializers.IntegerField(source="subject_type_id", read_only=True)
    votes = MeetingVoteSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "subject_type", "subject_id", "conclusion", "votes"]
        read_only_fields = fields


class MeetingParticipantSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, default="")
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = Participant
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "capacity",
            "is_member",
            "invited_at",
            "signed_in_at",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "area",
            "area_name",
            "scheduled_at",
            "location",
            "status",
            "status_label",
            "is_regular",
            "member_count",
            "quorum_rule",
            "threshold_rule",
            "held_at",
        ]
        read_only_fields = fields


class MeetingQuorumSerializer(serializers.Serializer):
    present_members = serializers.IntegerField()
    member_count = serializers.IntegerField()
    required = serializers.IntegerField()
    has_quorum = serializers.BooleanField()


class MeetingDetailSerializer(MeetingSerializer):
    participants = MeetingParticipantSerializer(many=True, read_only=True)
    agenda = MeetingAgendaItemSerializer(many=True, read_only=True)
    quorum = serializers.SerializerMethodField()
    sign_in_code = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "minutes",
            "outcome",
            "cancel_reason",
            "quorum",
            "sign_in_code",
            "participants",
            "agenda",
        ]
        read_only_fields = fields

    def get_quorum(self, meeting) -> dict:
        return selectors.quorum_status(meeting, list(meeting.participants.all()))._asdict()

    def get_sign_in_code(self, meeting) -> str:
        user = self.context["request"].user
        return meeting.sign_in_code if permissions.can(user, permissions.CHANGE_MEETING, meeting) else ""


# ---------------------------------------------------------------- input


class ConvenableAreaField(serializers.PrimaryKeyRelatedField):
    """An area where the requesting user may convene meetings; any other id is a field error."""

    default_error_messages = {"does_not_exist": _("您不能在这个区域安排会议。")}

    def get_queryset(self):
        user = self.context["request"].user
        return permissions.scoped(Area.objects.all(), user, permissions.CHANGE_MEETING, field="path")


class MeetingScheduleSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    area = ConvenableAreaField(queryset=Area.objects.none())
    title = serializers.CharField(max_length=120, allow_blank=True)
    scheduled_at = DateTimeField()
    location = serializers.CharField(max_length=120, allow_blank=True, required=False, default="")
    member_count = serializers.IntegerField(min_value=0, max_value=10000, required=False, default=0)
    quorum_rule = serializers.ChoiceField(choices=QuorumRule.choices, required=False, default=QuorumRule.NONE)
    threshold_rule = serializers.ChoiceField(
        choices=ThresholdRule.choices, required=False, default=ThresholdRule.MAJORITY_PRESENT
    )
    is_regular = serializers.BooleanField(required=False, default=False)


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": _("没有找到这个人。")}

    def get_queryset(self):
        user = self.context["request"].user
        return permissions.scoped(Person.objects.all(), user, permissions.VIEW_PERSON, "home_area__path")


class MeetingInviteSerializer(serializers.Serializer):
    person = VisiblePersonField(queryset=Person.objects.none(), required=False, allow_null=True, default=None)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    capacity = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    is_member = serializers.BooleanField(required=False, default=False)


class MeetingAgendaInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)


class MeetingEmptySerializer(serializers.Serializer):
    pass


class MeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class MeetingRecordSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True)


class MeetingParticipantRefSerializer(serializers.Serializer):
    participant = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="参会方编号")


class MeetingCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=6, allow_blank=True)


class MeetingOpenVoteSerializer(serializers.Serializer):
    agenda_item = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="议程编号")
    secret = serializers.BooleanField(required=False, default=False)


class VoteCastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Choice.choices)


class VoteRecordSerializer(VoteCastSerializer):
    participant = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="参会方编号")


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _participant(meeting, pk) -> Participant:
    participant = meeting.participants.filter(pk=pk).first()
    if participant is None:
        raise serializers.ValidationError({"participant": [_("该人员不在本次会议的参会名单中。")]})
    return participant


class MeetingPagination(CursorPagination):
    ordering = ("-scheduled_at", "-id")


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """会议 in the user's scope (and those the user is invited to), newest first; filters ``status``, ``area``."""

    pagination_class = MeetingPagination
    queryset = Meeting.objects.none()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MeetingDetailSerializer
        if self.action == "create":
            return MeetingScheduleSerializer
        return MeetingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        area = None
        area_id = self.request.query_params.get("area", "")
        if area_id:
            area = Area.objects.filter(pk=area_id).first() if area_id.isdigit() else None
            if area is None:
                return Meeting.objects.none()
        status_filter = self.request.query_params.get("status", "")
        return selectors.meeting_list(user=self.request.user, area=area, status=status_filter)

    def get_object(self):
        pk = self.kwargs["pk"]
        if not str(pk).isdigit():
            raise Http404
        return selectors.meeting_get(user=self.request.user, pk=pk)

    def _detail(self, meeting, code=status.HTTP_200_OK):
        meeting = selectors.meeting_detail(meeting)
        return Response(
            MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=MeetingStatus.values),
            OpenApiParameter("area", int, description="区域（含下级）"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(
        summary="安排会议", request=MeetingScheduleSerializer, responses={201: MeetingDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        meeting = services.meeting_schedule(actor=request.user, **_valid(MeetingScheduleSerializer, request))
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        summary="邀请参会", request=MeetingInviteSerializer, responses={201: MeetingParticipantSerializer}
    )
    @action(detail=True, methods=["post"], serializer_class=MeetingInviteSerializer)
    def invite(self, request, pk=None):
        participant = services.meeting_invite(
            actor=request.user, meeting=self.get_object(), **_valid(MeetingInviteSerializer, request)
        )
        return Response(MeetingParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="增加议程", request=MeetingAgendaInSerializer, responses={201: MeetingAgendaItemSerializer}
    )
    @action(detail=True, methods=["post"], serializer_class=MeetingAgendaInSerializer)
    def agenda(self, request, pk=None):
        item = services.meeting_add_agenda_item(
            actor=request.user, meeting=self.get_object(), **_valid(MeetingAgendaInSerializer, request)
        )
        return Response(MeetingAgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="开始会议", request=MeetingEmptySerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"], serializer_class=MeetingEmptySerializer)
    def start(self, request, pk=None):
        return self._detail(services.meeting_start(actor=request.user, meeting=self.get_object()))

    @extend_schema(summary="取消会议", request=MeetingCancelSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"], serializer_class=MeetingCancelSerializer)
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        data = _valid(MeetingCancelSerializer, request)
        return self._detail(services.meeting_cancel(actor=request.user, meeting=meeting, **data))

    @extend_schema(
        summary="代为签到", request=MeetingParticipantRefSerializer, responses=MeetingParticipantSerializer
    )
    @action(
        detail=True, methods=["post"], url_path="sign-in", serializer_class=MeetingParticipantRefSerializer
    )
    def sign_in(self, request, pk=None):
        meeting = self.get_object()
        participant = _participant(meeting, _valid(MeetingParticipantRefSerializer, request)["participant"])
        participant = services.meeting_sign_in(actor=request.user, participant=participant)
        return Response(MeetingParticipantSerializer(participant).data)

    @extend_schema(
        summary="成员签到（签到码）", request=MeetingCodeSerializer, responses=MeetingParticipantSerializer
    )
    @action(detail=True, methods=["post"], url_path="sign-in-code", serializer_class=MeetingCodeSerializer)
    def sign_in_code(self, request, pk=None):
        meeting = self.get_object()
        participant = services.meeting_sign_in_with_code(
            user=request.user, meeting=meeting, code=_valid(MeetingCodeSerializer, request)["code"]
        )
        return Response(MeetingParticipantSerializer(participant).data)

    @extend_schema(summary="记录会议纪要", request=MeetingRecordSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"], serializer_class=MeetingRecordSerializer)
    def record(self, request, pk=None):
        meeting = self.get_object()
        data = _valid(MeetingRecordSerializer, request)
        return self._detail(services.meeting_record(actor=request.user, meeting=meeting, **data))

    @extend_schema(summary="到会情况", responses=MeetingQuorumSerializer)
    @action(detail=True, methods=["get"])
    def quorum(self, request, pk=None):
        return Response(selectors.quorum_status(self.get_object())._asdict())

    @extend_schema(
        summary="开始表决", request=MeetingOpenVoteSerializer, responses={201: MeetingVoteSerializer}
    )
    @action(detail=True, methods=["post"], serializer_class=MeetingOpenVoteSerializer)
    def votes(self, request, pk=None):
        meeting = self.get_object()
        data = _valid(MeetingOpenVoteSerializer, request)
        item = meeting.agenda.filter(pk=data["agenda_item"]).first()
        if item is None:
            raise serializers.ValidationError({"agenda_item": [_("该议程不属于本次会议。")]})
        vote = services.vote_open(actor=request.user, agenda_item=item, secret=data["secret"])
        return Response(MeetingVoteSerializer(vote).data, status=status.HTTP_201_CREATED)


class VoteViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """表决 of the meetings the user may see: members cast their own ballot; staff record named votes and close."""

    serializer_class = MeetingVoteSerializer
    queryset = Vote.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Vote.objects.none()
        visible = selectors.meeting_visible(self.request.user).values("pk")
        return Vote.objects.filter(agenda_item__meeting__in=visible).prefetch_related(
            "receipts", "ballots__participant__person", "ballots__participant__unit"
        )

    @extend_schema(summary="投票", request=VoteCastSerializer, responses=MeetingVoteSerializer)
    @action(detail=True, methods=["post"], serializer_class=VoteCastSerializer)
    def cast(self, request, pk=None):
        vote = self.get_object()
        vote = services.vote_cast(
            user=request.user, vote=vote, choice=_valid(VoteCastSerializer, request)["choice"]
        )
        return Response(MeetingVoteSerializer(vote).data)

    @extend_schema(summary="代录表决意见", request=VoteRecordSerializer, responses=MeetingVoteSerializer)
    @action(detail=True, methods=["post"], serializer_class=VoteRecordSerializer)
    def record(self, request, pk=None):
        vote = self.get_object()
        data = _valid(VoteRecordSerializer, request)
        participant = _participant(vote.agenda_item.meeting, data["participant"])
        vote = services.vote_record(
            actor=request.user, vote=vote, participant=participant, choice=data["choice"]
        )
        return Response(MeetingVoteSerializer(vote).data)

    @extend_schema(summary="结束表决", request=MeetingEmptySerializer, responses=MeetingVoteSerializer)
    @action(detail=True, methods=["post"], serializer_class=MeetingEmptySerializer)
    def close(self, request, pk=None):
        vote = services.vote_close(actor=request.user, vote=self.get_object())
        return Response(MeetingVoteSerializer(vote).data)


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("meeting-votes", VoteViewSet, basename="meeting-vote")
