"""Category suggestion at intake — the single entry point (``suggest_category``) for every intake channel.

When a live routing model trained on enough cases exists (``yishi.routing``), it suggests categories with
calibrated confidences (智能建议). Otherwise (cold start) each category's ``keywords`` are matched against
the text: a category scores the summed length of its keywords found, so a specific phrase ("广场舞")
outweighs a short one ("吵") (按关键词建议). The result says which through its ``source``. Only categories
a resident may pick are suggested.
"""

from __future__ import annotations

from collections.abc import Iterable

from yishi.core import caching

from .models import Category


def selectable_categories() -> list[Category]:
    """Active categories a case may be filed under: the leaves of the active tree (a category whose active
    children exist is a heading, not a choice), in display order. From the cache (every intake reads them);
    any change to a category drops it."""
    return caching.remembered("selectable-categories", (), [Category], _selectable_categories)


def _selectable_categories() -> list[Category]:
    active = list(Category.objects.filter(is_active=True).order_by("order", "key"))
    parents = {c.parent_id for c in active if c.parent_id}
    return [c for c in active if c.pk not in parents]


def _keywords(category: Category) -> list[str]:
    return [k for k in (category.keywords or "").replace("，", " ").replace(",", " ").split() if k]


class Suggestions(list):
    """A list of (category, score), best first, that says how it was made: ``source`` is ``"model"``
    (confidence = the model's calibrated probability, with ``model_version``) or ``"keywords"``."""

    def __init__(self, items=(), *, source: str = "keywords", model_version: int | None = None):
        super().__init__(items)
        self.source = source
        self.model_version = model_version

    @property
    def is_model(self) -> bool:
        return self.source == "model"


def suggest_category(
    text: str, *, categories: Iterable[Category] | None = None, limit: int = 3
) -> Suggestions:
    """The categories suggested for ``text``, best first, as (category, score) with score in (0, 1].

    With a usable routing model (see ``yishi.routing.services.usable_model``): its top ``limit`` categories
    and their probabilities. Otherwise the keyword rules: the summed length of the matched keywords,
    divided by the best category's (so the best scores 1); ties go to the category listed first. No match,
    or no text, gives an empty list.
    """
    if not (text or "").strip():
        return Suggestions()
    from yishi.routing.models import RoutingSettings
    from yishi.routing.services import model_category_keys, routing_predict, usable_model

    pool = list(categories) if categories is not None else selectable_categories()
    predicted = routing_predict(text, limit=limit, categories=pool)
    if predicted:
        live = usable_model()
        version = live.version if live else None
        # Cold start per category: a category the model was not trained on (too few cases yet) can still be
        # suggested by its keywords. When the model is unsure and such a keyword matches, the keyword leads.
        known = model_category_keys()
        by_keywords = _keyword_scores(text, [c for c in pool if c.key not in known], limit)
        threshold = RoutingSettings.current().confidence_threshold
        if by_keywords and predicted[0][1] < threshold:
            return Suggestions((by_keywords + predicted)[:limit], source="keywords", model_version=version)
        return Suggestions((predicted + by_keywords)[:limit], source="model", model_version=version)
    return Suggestions(_keyword_scores(text, pool, limit))


def _keyword_scores(text: str, pool: list[Category], limit: int) -> list[tuple[Category, float]]:
    text = text.lower()
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


def intake_category(text: str) -> Category | None:
    """The category an intake without one gets: the top suggestion for ``text`` (model or keywords), or
    None when nothing is suggested. Low confidence still pre-fills; the case is then flagged for manual
    dispatch by its recorded suggestion."""
    suggestions = suggest_category(text, limit=1)
    return suggestions[0][0] if suggestions else None
