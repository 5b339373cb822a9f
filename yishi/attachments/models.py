"""附件: photos and documents attached to any record."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    """附件: one file attached to one record of any kind (a case, a topic, a meeting …).

    The record is a generic link (``content_type`` + ``object_id``). ``area_path`` is copied from the record's
    ``scope_path`` when the file is added, so who may see an attachment is decided like for the record itself,
    without loading the record. Files are stored under ``attachments/%Y/%m/`` with a random name; the name the
    uploader gave is kept in ``original_name``. ``mime_type`` is the type yishi checked, never the client's.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("记录类型"))
    object_id = models.CharField(_("记录编号"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    area_path = models.CharField(_("区域路径"), max_length=255, db_index=True, editable=False)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def scope_path(self) -> str:
        return self.area_path

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")
