"""Admin of 人员与账号, for superusers; day-to-day work goes through the staff pages and their services."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Person, RoleGrant, SmsCode, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    raw_id_fields = ["area", "unit"]
    readonly_fields = ["granted_at"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "home_area", "unit", "title", "is_party_member"]
    list_filter = ["is_party_member"]
    search_fields = ["name", "phone"]
    list_select_related = ["home_area", "unit"]
    raw_id_fields = ["home_area", "unit"]
    inlines = [RoleGrantInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "person", "is_active", "is_staff", "last_login"]
    list_select_related = ["person"]
    raw_id_fields = ["person"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("议事厅"), {"fields": ["person", "large_text"]}))


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "area", "unit", "granted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["person__name", "area__name"]
    list_select_related = ["person", "area", "unit"]
    raw_id_fields = ["person", "area", "unit"]


@admin.register(SmsCode)
class SmsCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are written by ``sms_code_issue`` and only their hash is kept."""

    list_display = ["phone", "purpose", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["purpose"]
    search_fields = ["phone"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
