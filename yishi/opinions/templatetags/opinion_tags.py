"""``{% load opinion_tags %}``: what the opinions panel of a subject needs, read in a fixed number of queries."""

from django import template
from django.contrib.contenttypes.models import ContentType

from yishi.areas.models import Unit
from yishi.core import permissions
from yishi.core.masking import mask_name

from .. import selectors, services
from ..models import ResearchConclusion

register = template.Library()


@register.simple_tag(takes_context=True)
def opinion_panel(context, subject):
    """``{% opinion_panel subject as panel %}``: the subject's opinions and what the current user may do."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    is_staff = signed_in and permissions.can(user, permissions.CHANGE_OPINION, subject)
    window = services.window_open(subject)
    opinions = list(selectors.opinions_for(subject))
    for o in opinions:
        name = o.display_name
        o.shown_name = name if (is_staff or (o.author_unit_id and not o.author_id)) else mask_name(name)
    may_submit = signed_in and window and permissions.can(user, permissions.ADD_OPINION, subject)
    person = getattr(user, "person", None) if signed_in else None
    units = []
    if may_submit:
        unit_ids = services.actor_units(user)
        if unit_ids:
            units = list(Unit.objects.filter(pk__in=unit_ids).order_by("name"))
    researchers = []
    if is_staff and any(not o.is_researched for o in opinions):
        researchers = list(selectors.researchers_for(subject.scope_path))
    return {
        "opinions": opinions,
        "ct_id": ContentType.objects.get_for_model(subject).pk,
        "is_staff": is_staff,
        "window_open": window,
        "may_submit": may_submit,
        "person": person,
        "units": units,
        "researchers": researchers,
        "conclusions": ResearchConclusion.choices,
    }
