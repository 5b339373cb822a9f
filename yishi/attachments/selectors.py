"""Reads of attachments, scoped by the area the record belongs to."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from yishi.core.permissions import VIEW_ATTACHMENT, scoped

from .models import Attachment


def attachments_for(obj, *, user=None) -> QuerySet[Attachment]:
    """The attachments of record ``obj``, oldest first; only those ``user`` may view when a user is given."""
    qs = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    if user is not None:
        qs = scoped(qs, user, VIEW_ATTACHMENT, field="area_path")
    return qs.select_related("uploaded_by")


def attachment_get(*, user, pk) -> Attachment:
    """One attachment ``user`` may view; out of scope is a 404 exactly like a missing one."""
    return get_object_or_404(
        scoped(Attachment.objects.all(), user, VIEW_ATTACHMENT, field="area_path"), pk=pk
    )
