"""Labels of choice values, looked up through their enum."""

from __future__ import annotations

from django.db import models


def choice_label(choices: type[models.Choices], value):
    """The label of ``value`` in ``choices`` (lazy, translated when rendered), or ``value`` itself when it is
    not one of them — what Django's ``get_FOO_display`` shows, without rebuilding a dict per call."""
    try:
        return choices(value).label
    except ValueError:
        return value
