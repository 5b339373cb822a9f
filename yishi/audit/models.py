"""审计留痕: every change of state is one append-only event, chained to the one before by a hash."""

import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj) -> "AuditEventQuerySet":
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return self.filter(content_type=ct, object_id=str(obj.pk))

    def update(self, **kwargs):
        """Refused: the trail is append-only."""
        raise TypeError("audit events are append-only")

    def delete(self):
        """Refused: the trail is append-only."""
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """审计事件: who did what to which record, when, with the state before and after.

    ``hash`` covers every other field and ``prev_hash``, which is the hash of the event before it in
    ``seq`` order; editing, deleting or reordering rows in the database breaks the chain, and
    ``yishi audit verify`` names the first event where it breaks. Rows are written only by
    ``audit.services.audit_record`` and never updated or deleted through the ORM.
    """

    seq = models.BigIntegerField(_("序号"), unique=True, editable=False)
    at = models.DateTimeField(_("时间"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人名称"), max_length=100, blank=True, default="")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_label = models.CharField(_("对象"), max_length=255, blank=True, default="")
    area_path = models.CharField(_("区域路径"), max_length=255, blank=True, default="", db_index=True)
    verb = models.CharField(_("动作"), max_length=64)
    before = models.JSONField(_("变更前"), encoder=DjangoJSONEncoder, default=dict, blank=True)
    after = models.JSONField(_("变更后"), encoder=DjangoJSONEncoder, default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True, default="")
    prev_hash = models.CharField(_("前一哈希"), max_length=64, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["seq"]
        indexes = [models.Index(fields=["content_type", "object_id", "seq"], name="audit_object_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")

    @property
    def scope_path(self) -> str:
        return self.area_path

    def compute_hash(self) -> str:
        """SHA-256 over the canonical JSON of every field but ``hash`` itself."""
        payload = {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "content_type": self.content_type_id,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "area_path": self.area_path,
            "verb": self.verb,
            "before": self.before,
            "after": self.after,
            "note": self.note,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChainHead(models.Model):
    """The last link of the chain: one row, locked while an event is appended so links never fork.

    It also lets ``verify`` notice events deleted from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
