from django.contrib import admin

from .models import CalendarDay, DeadlineRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["process", "step", "category_key", "amount", "unit", "near_due_hours"]
    list_filter = ["process", "unit"]
    search_fields = ["process", "step", "category_key", "note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Admins enter a year's published holiday arrangement here when the calendar library lacks it."""

    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
