"""Template tags of the rates pages."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def rate_cells(r):
    """The five cells of one ``Rates`` row: 响应率, 解决率, 满意率, the composite score, and due / closed / rated.

    A tag rather than an included template: the rankings list every unit of a district (hundreds of rows),
    and an include per row was most of the dashboard's rendering time.
    """
    return format_html(
        '<td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong></td><td class="muted">{} / {} / {}</td>',
        r.response_pct,
        r.resolution_pct,
        r.satisfaction_pct,
        r.composite_display,
        r.due,
        r.closed,
        r.rated,
    )
