"""Reads of smart routing: a case's suggestion for its page, and which cases of a list await manual dispatch."""

from __future__ import annotations

from collections.abc import Iterable

from .models import CaseSuggestion, RoutingModel


def suggestion_for(case) -> CaseSuggestion | None:
    return CaseSuggestion.objects.filter(case=case).select_related("category").first()


def manual_case_ids(case_ids: Iterable[int]) -> set[int]:
    """Of the cases ``case_ids`` (already visible to the reader), the ids flagged for manual dispatch
    (人工分类派单) and not yet confirmed by staff — one query for a whole list."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(
        CaseSuggestion.objects.filter(case_id__in=ids, manual=True, confirmed_at__isnull=True).values_list(
            "case_id", flat=True
        )
    )


def model_versions():
    return RoutingModel.objects.order_by("-version")
