"""Template helpers for the audit timeline: verb labels and a compact before → after of changed fields."""

from django import template

from yishi.core.masking import mask_text

from ..labels import verb_label as _verb_label

register = template.Library()

_MAX_VALUE = 60


def _short(value) -> str:
    """One value as a short line; phone and ID numbers masked (the audit pages do not need them)."""
    if value is None or value == "":
        return "—"
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = mask_text(text)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


@register.filter
def verb_label(verb: str) -> str:
    """Chinese label of an audit verb; an unknown verb is shown raw."""
    return _verb_label(verb)


@register.filter
def changes(event) -> list[tuple[str, str, str]]:
    """The fields whose value differs between ``event.before`` and ``event.after``, as (field, before, after)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            rows.append((key, _short(old), _short(new)))
    return rows
