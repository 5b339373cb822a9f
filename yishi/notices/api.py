"""REST API of the notice board: ``/api/v1/notices/``.

Reading is public (published, unexpired notices only, already masked); publishing and withdrawing need a
login and go through the same services as the pages.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from yishi.areas.models import Area

from . import selectors, services
from .models import Notice, NoticeKind


class NoticeSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "area",
            "area_name",
            "kind",
            "kind_label",
            "title",
            "body",
            "publisher_label",
            "published_at",
            "expires_on",
        ]
        read_only_fields = fields


class PublishableAreaField(serializers.PrimaryKeyRelatedField):
    """An area where the requesting user may publish; any other id is a field error, not a 404."""

    default_error_messages = {"does_not_exist": _("您不能在这个区域发布公示。")}

    def get_queryset(self):
        return selectors.publishable_areas(user=self.context["request"].user)


class NoticePublishSerializer(serializers.Serializer):
    area = PublishableAreaField(queryset=Area.objects.none())
    kind = serializers.ChoiceField(choices=NoticeKind.choices, default=NoticeKind.GENERAL)
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    body = serializers.CharField(allow_blank=True, required=False, default="")
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class NoticeWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ReadPublicWriteSignedIn(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in drf_permissions.SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """公示. ``?area=<id>`` lists that area's board (its subtree)."""

    serializer_class = NoticeSerializer
    permission_classes = [ReadPublicWriteSignedIn]

    def get_queryset(self):
        if self.action == "withdraw":
            return selectors.staff_notices(user=self.request.user)
        area = None
        area_id = self.request.query_params.get("area")
        if self.action == "list" and area_id:
            area = Area.objects.filter(pk=area_id).first() if area_id.isdigit() else None
            if area is None:
                return Notice.objects.none()
        return selectors.public_notices(area=area)

    def get_serializer_class(self):
        if self.action == "create":
            return NoticePublishSerializer
        if self.action == "withdraw":
            return NoticeWithdrawSerializer
        return NoticeSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = services.notice_publish(actor=request.user, **serializer.validated_data)
        return Response(
            NoticeSerializer(notice, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        notice = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = services.notice_withdraw(
            actor=request.user, notice=notice, reason=serializer.validated_data["reason"]
        )
        return Response({"id": notice.pk, "status": notice.status, "withdraw_reason": notice.withdraw_reason})


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("notices", NoticeViewSet, basename="notice")
