"""Category suggestion at intake (cold start): each category's ``keywords`` matched against the text.

Until a routing model is trained (the smart-routing issue replaces this module's insides, not its
signature), a category scores the summed length of its keywords found in the text, so a specific phrase
("广场舞") outweighs a short one ("吵"). Only categories a resident may pick are suggested.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Category


def selectable_categories() -> list[Category]:
    """Active categories a case may be filed under: the leaves of the active tree (a category whose active
    children exist is a heading, not a choice), in display order."""
    active = list(Category.objects.filter(is_active=True).order_by("order", "key"))
    parents = {c.parent_id for c in active if c.parent_id}
    return [c for c in active if c.pk not in parents]


def _keywords(category: Category) -> list[str]:
    return [k for k in (category.keywords or "").replace("，", " ").replace(",", " ").split() if k]


def suggest_category(
    text: str, *, categories: Iterable[Category] | None = None, limit: int = 3
) -> list[tuple[Category, float]]:
    """The categories whose keywords occur in ``text``, best first, as (category, score) with score in (0, 1].

    The score is the summed length of the matched keywords, divided by the best category's (so the best
    scores 1). Ties go to the category listed first. No match, or no text, gives an empty list.
    """
    text = (text or "").lower()
    if not text.strip():
        return []
    pool = list(categories) if categories is not None else selectable_categories()
    scored = []
    for position, category in enumerate(pool):
        matched = {k for k in _keywords(category) if k.lower() in text}
        raw = sum(len(k) for k in matched)
        if raw:
            scored.append((raw, position, category))
    if not scored:
        return []
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0][0]
    return [(category, round(raw / best, 3)) for raw, _position, category in scored[:limit]]
