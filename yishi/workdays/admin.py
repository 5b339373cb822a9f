from django.contrib import admin

from .models import DeadlineRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["process", "step", "category_key", "amount", "unit", "near_due_hours"]
    list_filter = ["process", "unit"]
    search_fields = ["process", "step", "category_key", "note"]
