"""``{% load attachment_tags %}``: the attachments of a record, and what the panel needs to upload to it."""

from django import template
from django.contrib.contenttypes.models import ContentType

from yishi.core.permissions import CHANGE_ATTACHMENT, can

from ..selectors import attachments_for as select_attachments

register = template.Library()


@register.simple_tag(takes_context=True)
def attachments_for(context, obj):
    """``{% attachments_for case as files %}``: the record's attachments the current user may view.

    An empty list, without a query, when the record was read saying it has none (``has_attachments`` False, as the
    case page's case does): most records have none, and the query was a sixth of that page's time.
    """
    if getattr(obj, "has_attachments", True) is False:
        return []
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return list(select_attachments(obj, user=user))


@register.simple_tag
def content_type_id(obj):
    return ContentType.objects.get_for_model(obj).pk


@register.simple_tag(takes_context=True)
def can_attach(context, obj):
    """Whether the current user may add or remove attachments on ``obj``."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return bool(user) and can(user, CHANGE_ATTACHMENT, obj)
