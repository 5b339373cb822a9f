"""Admin of the notice board: read-mostly; publishing and withdrawing go through the pages and services."""

from django.contrib import admin

from .models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "kind", "status", "published_at", "publisher_label", "expires_on"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    list_select_related = ["area"]
    date_hierarchy = "published_at"
    raw_id_fields = ["area", "published_by", "withdrawn_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
