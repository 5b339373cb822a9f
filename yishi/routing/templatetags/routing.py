"""Template tags of smart routing for the case pages: the suggestion panel. (The case list marks cases awaiting
manual dispatch itself: ``cases.views.staff._list_rows``.)"""

from django import template

from yishi.cases import rules
from yishi.cases.models import Category
from yishi.cases.workflow import Status

from ..selectors import suggestion_for

register = template.Library()


@register.inclusion_tag("routing/case_panel.html", takes_context=True)
def routing_panel(context, case):
    """智能派单 panel, shown while the case is not yet dispatched (待受理, 已受理待分办): the suggestion with
    its alternatives and confidence, the route of the current category; dispatchers of the case's level get
    one-click buttons to confirm or correct the category."""
    request = context.get("request")
    if case.status not in (Status.SUBMITTED, Status.ACCEPTED):
        # Once dispatched, the category is settled: no panel (and no query).
        return {"suggestion": None}
    suggestion = suggestion_for(case)
    may_change = request is not None and rules.is_dispatcher(request.user, case)
    alternatives = []
    if suggestion is not None:
        keys = [a.get("key") for a in suggestion.alternatives]
        by_key = {c.key: c for c in Category.objects.filter(key__in=keys, is_active=True)}
        for item in suggestion.alternatives:
            category = by_key.get(item.get("key"))
            if category is not None:
                alternatives.append(
                    {
                        "category": category,
                        "percent": round(float(item.get("confidence", 0)) * 100),
                        "current": category.pk == case.category_id,
                    }
                )
    route = None
    if suggestion is not None:
        from yishi.cases.models import HandlingLevel
        from yishi.cases.selectors import route_for

        level, unit = route_for(case)
        route = {"level": HandlingLevel(level).label, "unit": unit}
    return {
        "route": route,
        "case": case,
        "suggestion": suggestion,
        "alternatives": alternatives,
        "may_change": may_change,
        "csrf_token": context.get("csrf_token"),
    }
