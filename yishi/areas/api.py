"""REST API of the area tree and the units: scoped reads, writes through the same services as the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from yishi.core import permissions
from yishi.core.api import CursorPagination

from . import selectors, services
from .models import Area, Unit


class AreaPagination(CursorPagination):
    """Keyset pages in tree order."""

    ordering = "path"


class UnitPagination(CursorPagination):
    ordering = "-pk"


class _ScopedAreaField(serializers.PrimaryKeyRelatedField):
    """An area the requesting user may see; any other id is "does not exist", as for a missing one."""

    def get_queryset(self):
        return permissions.scoped(
            Area.objects.all(), self.context["request"].user, permissions.VIEW_AREA, "path"
        )


class AreaSerializer(serializers.ModelSerializer):
    parent = _ScopedAreaField(required=False, allow_null=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "parent",
            "name",
            "level",
            "code",
            "path",
            "depth",
            "address",
            "latitude",
            "longitude",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["path", "depth", "created_at"]
        # Uniqueness is the service's rule (one place, one message).
        validators = []


class AreaUpdateSerializer(AreaSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(AreaSerializer.Meta):
        read_only_fields = ["parent", "level", "path", "depth", "created_at"]


class UnitSerializer(serializers.ModelSerializer):
    area = _ScopedAreaField()

    class Meta:
        model = Unit
        fields = ["id", "area", "name", "kind", "code", "address", "phone", "is_active", "created_at"]
        read_only_fields = ["created_at"]
        validators = []


class UnitUpdateSerializer(UnitSerializer):
    area = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(UnitSerializer.Meta):
        read_only_fields = ["area", "created_at"]


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationError({name: [_("请输入整数。")]}) from exc
    if not 1 <= number <= 2**63 - 1:  # a primary key; anything else would overflow the database integer
        raise ValidationError({name: [_("编号超出范围。")]})
    return number


class AreaViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """区域: list and read the areas in scope (``?level=``, ``?parent=``, ``?within=``); create and change
    them through ``area_create`` / ``area_update`` (CHANGE_AREA on the parent / the area)."""

    pagination_class = AreaPagination
    serializer_class = AreaSerializer

    def get_queryset(self):
        request = self.request
        if self.action != "list":
            return permissions.scoped(Area.objects.all(), request.user, permissions.VIEW_AREA, "path")
        return selectors.area_list(
            user=request.user,
            level=request.query_params.get("level", ""),
            q=request.query_params.get("q", ""),
            parent=_int_param(request, "parent"),
            within=_int_param(request, "within"),
        )

    def get_serializer_class(self):
        return AreaUpdateSerializer if self.action in ("update", "partial_update") else AreaSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        serializer.instance = services.area_create(
            actor=self.request.user, parent=data.pop("parent", None), **data
        )

    def perform_update(self, serializer):
        serializer.instance = services.area_update(
            actor=self.request.user, area=serializer.instance, **serializer.validated_data
        )


class UnitViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """单位: list and read the units in scope (``?kind=``, ``?area=``, ``?within=``, ``?q=``); create and change
    them through ``unit_create`` / ``unit_update`` (CHANGE_UNIT)."""

    pagination_class = UnitPagination
    serializer_class = UnitSerializer

    def get_queryset(self):
        request = self.request
        if self.action != "list":
            return permissions.scoped(
                Unit.objects.select_related("area"), request.user, permissions.VIEW_UNIT
            )
        return selectors.unit_list(
            user=request.user,
            kind=request.query_params.get("kind", ""),
            q=request.query_params.get("q", ""),
            area=_int_param(request, "area"),
            within=_int_param(request, "within"),
        ).order_by()

    def get_serializer_class(self):
        return UnitUpdateSerializer if self.action in ("update", "partial_update") else UnitSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        serializer.instance = services.unit_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.unit_update(
            actor=self.request.user, unit=serializer.instance, **serializer.validated_data
        )


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("areas", AreaViewSet, basename="area")
    router.register("units", UnitViewSet, basename="unit")
