"""Admin for areas and units. Saving goes through the services, so paths stay right and events are written."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from yishi.core import permissions

from . import services
from .models import Area, Unit

AREA_EDITABLE = ["name", "code", "address", "latitude", "longitude", "is_active"]
UNIT_EDITABLE = ["name", "kind", "code", "address", "phone", "is_active"]


class AreaAdminForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["parent", "name", "level", "code", "address", "latitude", "longitude", "is_active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("level"):
            try:
                services._check_level(data.get("parent"), data["level"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaAdminForm
    list_display = ["name", "level", "code", "depth", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    ordering = ["path"]

    def get_queryset(self, request):
        return permissions.scoped(
            super().get_queryset(request), request.user, permissions.VIEW_AREA, field="path"
        )

    def get_readonly_fields(self, request, obj=None):
        # The place in the tree is fixed once created: paths are stable.
        return ["path", "depth", "created_at"] + (["parent", "level"] if obj is not None else [])

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in AREA_EDITABLE}
            if changes:
                services.area_update(actor=request.user, area=obj, **changes)
            return
        created = services.area_create(
            actor=request.user,
            parent=obj.parent,
            name=obj.name,
            level=obj.level,
            code=obj.code,
            address=obj.address,
            latitude=obj.latitude,
            longitude=obj.longitude,
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "address"]
    raw_id_fields = ["area"]
    list_select_related = ["area"]

    def get_queryset(self, request):
        return permissions.scoped(super().get_queryset(request), request.user, permissions.VIEW_UNIT)

    def get_readonly_fields(self, request, obj=None):
        return ["created_at"] + (["area"] if obj is not None else [])

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in UNIT_EDITABLE}
            if changes:
                services.unit_update(actor=request.user, unit=obj, **changes)
            return
        created = services.unit_create(
            actor=request.user,
            area=obj.area,
            name=obj.name,
            kind=obj.kind,
            code=obj.code,
            address=obj.address,
            phone=obj.phone,
        )
        obj.pk = created.pk
