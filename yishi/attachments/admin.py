from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only view of attachments: adding and removing goes through the services (audited)."""

    list_display = [
        "original_name",
        "content_type",
        "object_id",
        "mime_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["mime_type", "content_type"]
    search_fields = ["original_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
