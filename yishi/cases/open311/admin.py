"""Django admin for Open311 API keys: the raw key is made by ``open311_key_create`` and shown once."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from ..models import Open311Key
from .services import open311_key_create


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Adding a key creates a random one and shows it in a message once; only its SHA-256 is kept."""

    list_display = ("name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "is_active")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = open311_key_create(obj.name, actor=request.user, is_active=obj.is_active)
        obj.pk, obj.key_hash, obj.created_at = key.pk, key.key_hash, key.created_at
        obj._state.adding = False
        self.message_user(
            request,
            _("新密钥（只显示这一次，请立即复制保存）：%(key)s") % {"key": key.raw_key},
            level=messages.WARNING,
        )
