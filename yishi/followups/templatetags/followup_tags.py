"""``{% load followup_tags %}``: what the follow-up panel of a subject needs, in a fixed number of queries."""

from django import template
from django.contrib.contenttypes.models import ContentType

from yishi.core import permissions

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def followup_panel(context, subject):
    """``{% followup_panel subject as panel %}``: the subject's item tree and whether the user may add items."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    may_manage = signed_in and permissions.can(user, permissions.CHANGE_FOLLOWUP, subject)
    units, people = ([], [])
    if may_manage:
        units_qs, people_qs = selectors.owner_choices(user=user, area_path=subject.scope_path)
        units, people = list(units_qs), list(people_qs)
    return {
        "items": list(selectors.followups_for(subject)),
        "ct_id": ContentType.objects.get_for_model(subject).pk,
        "may_manage": may_manage,
        "units": units,
        "people": people,
    }
