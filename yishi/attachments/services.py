"""Writes of attachments: add a file to a record, remove it."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from yishi.audit.services import audit_record
from yishi.core.permissions import CHANGE_ATTACHMENT
from yishi.core.services import require

from .models import Attachment
from .validation import ALLOWED_EXTENSIONS, TYPES, extension_of, sniff


def _check_file(uploaded_file) -> tuple[str, str]:
    """Raise a ``file`` field error unless the file is non-empty, small enough and of an allowed type.

    Returns (extension, mime type). The extension and the magic bytes must agree: a script renamed to
    .jpg, or a PDF renamed to .docx, is refused.
    """
    if uploaded_file is None:
        raise ValidationError({"file": gettext("请选择要上传的文件。")})
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError({"file": gettext("文件是空的。")})
    limit = settings.YISHI_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {"file": gettext("文件太大：最大 %(limit)s。") % {"limit": filesizeformat(limit)}}
        )
    ext = extension_of(uploaded_file.name or "")
    file_type = TYPES.get(ext)
    if file_type is None:
        raise ValidationError(
            {
                "file": gettext("不支持此文件类型，只能上传：%(types)s。")
                % {"types": "、".join(ALLOWED_EXTENSIONS)}
            }
        )
    if sniff(uploaded_file) != file_type.kind:
        raise ValidationError({"file": gettext("文件内容与扩展名 .%(ext)s 不符。") % {"ext": ext}})
    return ext, file_type.mime


def _digest(uploaded_file) -> str:
    sha = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in iter(lambda: uploaded_file.read(65536), b""):
        sha.update(chunk)
    uploaded_file.seek(0)
    return sha.hexdigest()


def attachment_check(uploaded_file) -> None:
    """Raise the same ``file`` errors ``attachment_add`` would, storing nothing: lets a service check every
    upload of a form before it creates the record they go on."""
    _check_file(uploaded_file)


@transaction.atomic
def attachment_add(*, actor, obj, uploaded_file, trusted: bool = False) -> Attachment:
    """Attach ``uploaded_file`` to the record ``obj``.

    Needs ``attachments.change_attachment`` on the record (out of scope => 404). ``trusted=True`` skips that
    check and only that: it is for intake services (the public opinion box) that have just created ``obj``
    in the same transaction for a visitor who holds no role; the file checks below always run. The file must be non-empty,
    at most ``settings.YISHI_ATTACHMENT_MAX_BYTES`` and of an allowed type whose extension and content agree
    (errors on ``file``). The record's ``scope_path`` is copied to the attachment; the audit event is written
    on the record so it shows in the record's timeline. If anything fails after the file was stored, the
    stored file is deleted again so nothing is half-saved.
    """
    if not trusted:
        require(actor, CHANGE_ATTACHMENT, obj)
    ext, mime = _check_file(uploaded_file)
    original_name = (uploaded_file.name or f"file.{ext}").replace("\\", "/").rsplit("/", 1)[-1][:255]
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        area_path=obj.scope_path,
        original_name=original_name,
        mime_type=mime,
        size=uploaded_file.size,
        sha256=_digest(uploaded_file),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{ext}", File(uploaded_file), save=False)
    stored = attachment.file.name
    try:
        attachment.save()
        audit_record(
            actor=actor,
            obj=obj,
            verb="attachment.add",
            after={
                "attachment": attachment.pk,
                "name": original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    except BaseException:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment) -> None:
    """Remove an attachment; needs ``attachments.change_attachment`` on its area (out of scope => 404).

    The row goes now, the stored file only after the transaction commits (a rollback keeps both).
    """
    require(actor, CHANGE_ATTACHMENT, attachment)
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    record = locked.record
    stored, storage = locked.file.name, locked.file.storage
    info = {"attachment": locked.pk, "name": locked.original_name, "sha256": locked.sha256}
    locked.delete()
    audit_record(
        actor=actor, obj=record if record is not None else locked, verb="attachment.remove", before=info
    )
    transaction.on_commit(lambda: storage.delete(stored))
