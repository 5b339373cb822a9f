"""Template tags of 人员与账号: ``{% party_badge person %}`` shows 亮身份 on what a party member wrote."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def party_badge(person) -> str:
    """The 党员 badge when ``person`` is a party member who chose to show it, else nothing."""
    if person is not None and getattr(person, "party_badge", False):
        return format_html('<span class="tag party">{}</span>', _("党员"))
    return ""
