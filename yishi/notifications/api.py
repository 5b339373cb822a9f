"""``/api/v1/notifications/``: the user's own inbox; read one, read all."""

from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's notifications only; another user's id is a 404."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        try:
            notification = selectors.notification_get(user=request.user, pk=pk)
        except (Notification.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        notification = services.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)

    @action(detail=False, methods=["post"], url_path="read-all", serializer_class=MarkedSerializer)
    def read_all(self, request):
        marked = services.notifications_mark_all_read(actor=request.user)
        return Response({"marked": marked})


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("notifications", NotificationViewSet, basename="notification")
