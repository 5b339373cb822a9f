from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "verb", "created_at", "read_at", "email_sent_at", "sms_sent_at"]
    list_filter = ["verb"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "read_at", "email_sent_at", "sms_sent_at"]
