"""Jobs of smart routing, run by django-q (schedule in ``yishi.core.jobs``): retrain daily from cases."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from .models import Source
from .services import routing_train

log = logging.getLogger(__name__)


def train_from_cases() -> str:
    """Train a version on the platform's cases; it goes live only if not worse (``routing_promote``).
    Too few cases is not an error: the keyword rules stay in use."""
    try:
        model = routing_train(source=Source.CASES, note="scheduled")
    except ValidationError as exc:
        log.info("routing: not trained: %s", exc.messages)
        return "skipped"
    return f"v{model.version} {'live' if model.is_live else 'kept previous'}"
