"""Django admin of the case process: categories (tree, keywords) with their default routes are edited here;
cases and their deadlines, extensions and ratings are read-only — a case's status changes only through
``cases.services``, never by editing a row.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Case, CasePart, CaseReply, CaseStep, Category, CategoryRoute, Extension, Rating
from .open311 import admin as _open311_admin  # noqa: F401  (registers the Open311 keys)


class ReadOnlyAdminMixin:
    """View only: no add, change or delete, for every user (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CategoryRouteInline(admin.TabularInline):
    model = CategoryRoute
    extra = 1
    raw_id_fields = ["area", "unit"]
    verbose_name = _("分办规则")
    verbose_name_plural = _("分办规则（下级区域的规则优先）")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "parent", "keywords", "is_active", "order"]
    list_filter = ["is_active", "parent"]
    list_editable = ["order"]
    search_fields = ["name", "key", "keywords"]
    ordering = ["parent__order", "order", "key"]
    inlines = [CategoryRouteInline]


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class CasePartInline(_ReadOnlyInline):
    model = CasePart
    fields = ["unit", "task", "status", "acknowledge_due", "acknowledged_at", "done_at", "result"]
    readonly_fields = fields


class CaseReplyInline(_ReadOnlyInline):
    model = CaseReply
    fields = ["channel", "text", "replied_by", "replied_at"]
    readonly_fields = fields


class CaseStepInline(_ReadOnlyInline):
    model = CaseStep
    fields = ["step", "round", "unit", "due_at", "done_at", "supervised_at", "reminded_at"]
    readonly_fields = fields


class ScopedCaseAdminMixin:
    """Admin users who are not superusers see only the cases of their scope, as everywhere else."""

    case_field = "case"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        visible = selectors.case_visible(request.user).values("pk")
        if self.case_field:
            return qs.filter(**{f"{self.case_field}__in": visible})
        return qs.filter(pk__in=visible)


@admin.register(Case)
class CaseAdmin(ScopedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    case_field = ""
    list_display = [
        "number",
        "title",
        "status",
        "category",
        "area",
        "channel",
        "handler_unit",
        "submitted_at",
    ]
    list_filter = ["status", "is_open", "handling_mode", "channel", "urgency", "is_supervised", "category"]
    list_select_related = ["category", "area", "handler_unit"]
    search_fields = ["=number", "title"]
    show_full_result_count = False
    inlines = [CasePartInline, CaseReplyInline, CaseStepInline]
    exclude = ["tracking_token"]


@admin.register(CaseStep)
class CaseStepAdmin(ScopedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "step", "round", "unit", "due_at", "done_at", "supervised_at", "reminded_at"]
    list_filter = ["step", "round"]
    list_select_related = ["case", "unit"]
    search_fields = ["=case__number"]
    show_full_result_count = False


@admin.register(Extension)
class ExtensionAdmin(ScopedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "case",
        "step",
        "requested_days",
        "requested_by",
        "requested_at",
        "decision",
        "decided_by",
    ]
    list_filter = ["decision"]
    list_select_related = ["case", "step", "requested_by", "decided_by"]
    search_fields = ["=case__number"]


@admin.register(Rating)
class RatingAdmin(ScopedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "source_case", "value", "round", "rated_at"]
    list_filter = ["value", "round"]
    list_select_related = ["case", "source_case"]
    search_fields = ["=case__number"]
    show_full_result_count = False
