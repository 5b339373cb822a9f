"""Read-mostly data kept in the cache, dropped when the models it was read from change.

A page that offers the same options on every request (the case list's areas and categories) reads them
from the cache instead of the database: ``remembered(name, parts, models, compute)``. Each watched model has
a version in the cache; a save or delete of one of its rows sets a new version once the transaction
commits, so every entry read from that model is read anew. An entry also expires after ``TIMEOUT``.

Rules:
- Only for what a page *offers*, never for what it *allows*: a form still validates against the database
  (its field's queryset), so an entry that is a little old can show a stale option, never let one through.
- With Redis (``YISHI_REDIS_URL``) the cache is shared and a change is seen by every worker at once. With
  the per-process local-memory cache, another worker sees it when its entry expires (``TIMEOUT``).
- Writes that bypass the model's signals (``QuerySet.update``, ``bulk_create``) call ``changed(model)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

TIMEOUT = 300
_PREFIX = "yishi:cached"


def _version_key(model) -> str:
    return f"{_PREFIX}:version:{model._meta.label_lower}"


def _versions(models: Iterable) -> list:
    """The current version of each model; a missing one (never set, or evicted) is set anew rather than
    taken as 0, which an entry from before the eviction could still carry."""
    keys = [_version_key(m) for m in models]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return [found[key] for key in keys]


def remembered(name: str, parts: Iterable, models: Iterable, compute: Callable):
    """``compute()``, kept under ``name`` and ``parts`` (what the value depends on besides the data of
    ``models``) until a row of one of ``models`` changes or ``TIMEOUT`` passes."""
    models = list(models)
    key = ":".join(str(p) for p in (_PREFIX, name, *parts, *_versions(models)))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value


def changed(model) -> None:
    """Drop every entry read from ``model``: at once, so that the writing transaction reads its own change,
    and again once it commits, since a worker reading in between still saw the old rows and may have kept
    them under the new version."""
    key = _version_key(model)
    cache.set(key, time.time_ns(), timeout=None)
    transaction.on_commit(lambda: cache.set(key, time.time_ns(), timeout=None))


def watch(model) -> None:
    """Call ``changed(model)`` on every save and delete of ``model``'s rows."""

    def on_change(sender, **kwargs):
        changed(sender)

    uid = f"yishi.core.caching:{model._meta.label_lower}"
    post_save.connect(on_change, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(on_change, sender=model, weak=False, dispatch_uid=uid)
