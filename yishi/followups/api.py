"""REST API of 落实跟踪: ``/api/v1/followups/`` — scoped list and detail, create, report, cancel, volunteer.

Everything goes through the same services as the pages; an item out of scope is a 404.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit

from . import selectors, services
from .models import FollowUp, Volunteer
from .views import _subject


class FollowUpSerializer(serializers.ModelSerializer):
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True, default="")
    owner_person_name = serializers.CharField(source="owner_person.name", read_only=True, default="")
    is_overdue = serializers.BooleanField(read_only=True)
    volunteer_count = serializers.IntegerField(read_only=True, default=0)
    subject_type = serializers.IntegerField(source="subject_type_id", read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "area",
            "parent",
            "title",
            "owner_unit",
            "owner_unit_name",
            "owner_person",
            "owner_person_name",
            "started_on",
            "deadline",
            "status",
            "progress",
            "measure",
            "target_value",
            "actual_value",
            "feedback",
            "cancel_reason",
            "is_overdue",
            "supervised_at",
            "done_at",
            "volunteer_count",
        ]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all(), required=False, allow_null=True)
    content_type = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    object_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    parent = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200, allow_blank=True)
    owner_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    owner_person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    started_on = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    working_days = serializers.IntegerField(required=False, allow_null=True)
    measure = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    target_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)


class ReportSerializer(serializers.Serializer):
    progress = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(allow_blank=True, required=False, default="")
    actual_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    feedback = serializers.CharField(allow_blank=True, required=False, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class VolunteerSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """落实事项. ``?overdue=1`` keeps overdue items; ``?content_type=&object_id=`` one subject's items."""

    serializer_class = FollowUpSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.followup_list(user=self.request.user, overdue=params.get("overdue") == "1")
        ct, oid = params.get("content_type"), params.get("object_id")
        if self.action == "list" and ct and oid:
            if not ct.isdigit() or len(ct) > 9:  # beyond any id: nothing (and no overflow)
                return qs.none()
            qs = qs.filter(subject_type_id=int(ct), subject_id=oid)
        return qs

    def get_serializer_class(self):
        return {
            "create": FollowUpCreateSerializer,
            "report": ReportSerializer,
            "cancel": CancelSerializer,
            "volunteer": VolunteerSerializer,
        }.get(self.action, FollowUpSerializer)

    def _out(self, pk, code=status.HTTP_200_OK):
        item = selectors.followup_get(user=self.request.user, pk=pk)
        return Response(FollowUpSerializer(item, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        subject = parent = None
        area = data.pop("area", None)
        ct, oid = data.pop("content_type", None), data.pop("object_id", "")
        parent_id = data.pop("parent", None)
        if parent_id is not None:
            parent = selectors.followup_get(user=request.user, pk=parent_id)
            area = area or parent.area
        if ct and oid:
            subject = _subject(ct, oid, user=request.user)
            area = area or Area.objects.filter(path=subject.scope_path).first()
        if area is None:
            raise serializers.ValidationError({"area": [_("请指定所属区域。")]})
        item = services.followup_create(actor=request.user, area=area, subject=subject, parent=parent, **data)
        return self._out(item.pk, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.followup_report(actor=request.user, followup=item, **serializer.validated_data)
        return self._out(item.pk)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.followup_cancel(
            actor=request.user, followup=item, reason=serializer.validated_data["reason"]
        )
        return self._out(item.pk)

    @action(detail=True, methods=["post"])
    def volunteer(self, request, pk=None):
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signup: Volunteer = services.volunteer_signup(
            actor=request.user, followup=item, note=serializer.validated_data["note"]
        )
        return Response(
            {"id": signup.pk, "followup": item.pk, "note": signup.note}, status=status.HTTP_201_CREATED
        )


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("followups", FollowUpViewSet, basename="followup")
