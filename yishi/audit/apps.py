"""审计留痕: Append-only, hash-chained audit events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "yishi.audit"
    label = "audit"
    verbose_name = _("审计留痕")
