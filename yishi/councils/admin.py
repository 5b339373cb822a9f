"""Admin of the council (议事会), read-mostly for superusers: every change of a council, its charter, members or
topics goes through ``councils.services`` (the staff pages and the API), which check scope and record audit
events — so the admin lists and shows, and never adds, edits or deletes."""

from django.contrib import admin

from .models import Charter, Council, CouncilMember, ScopeItem, Topic


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows records; changes go through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberInline(admin.TabularInline):
    model = CouncilMember
    extra = 0
    fields = ["person", "capacity", "group", "joined_on", "left_on"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Council)
class CouncilAdmin(ReadOnlyAdmin):
    list_display = ["name", "area", "chair", "created_at"]
    search_fields = ["name", "area__name", "chair__name"]
    list_select_related = ["area", "chair"]
    inlines = [MemberInline]


class ScopeItemInline(admin.TabularInline):
    model = ScopeItem
    extra = 0
    fields = ["name", "description"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["council", "quorum_rule", "threshold_rule", "meeting_frequency", "min_opinion_days"]
    list_select_related = ["council"]
    inlines = [ScopeItemInline]


@admin.register(ScopeItem)
class ScopeItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "charter", "description"]
    search_fields = ["name"]
    list_select_related = ["charter__council"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "council", "status", "source", "scope_item", "opinion_deadline", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title", "description"]
    list_select_related = ["council", "scope_item"]
    date_hierarchy = "created_at"
