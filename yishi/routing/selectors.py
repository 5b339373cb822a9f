"""Reads of smart routing: a case's suggestion for its page, and which cases of a list await manual dispatch."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from .models import CaseSuggestion, RoutingModel


def suggestion_for(case) -> CaseSuggestion | None:
    return CaseSuggestion.objects.filter(case=case).select_related("category").first()


def awaits_manual_dispatch() -> Exists:
    """Whether the case of the row (``OuterRef("pk")``) is flagged for manual dispatch (人工分类派单) and not
    yet confirmed by staff: a column of a list's rows, read with them in the same query."""
    return Exists(
        CaseSuggestion.objects.filter(case_id=OuterRef("pk"), manual=True, confirmed_at__isnull=True)
    )


def model_versions():
    return RoutingModel.objects.order_by("-version")
