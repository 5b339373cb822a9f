"""The addresses a printed notice points back to, and their QR codes (inline SVG, made by segno)."""

from __future__ import annotations

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe


def notice_url(request, notice) -> str:
    """Absolute URL of the notice's public page."""
    return request.build_absolute_uri(reverse("notices:detail", args=[notice.pk]))


def opinion_box_path(area_id: int) -> str:
    """The area's opinion box (意见征集箱), the online intake of the case process."""
    return reverse("cases:opinion_box", args=[area_id])


def opinion_box_url(request, area_id: int) -> str:
    return request.build_absolute_uri(opinion_box_path(area_id))


def qr_svg(url: str) -> str:
    """An inline ``<svg>`` QR code for ``url`` (error correction M, sized for print at about 3 cm)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, title=url))
