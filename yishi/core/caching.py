"""Read-mostly data kept in the cache, dropped when the models it was read from change.

A page that offers the same options on every request (the case list's areas and categories) reads them
from the cache instead of the database: ``remembered(name, parts, models, compute)``. Each watched model has
a version in the cache; a save or delete of one of its rows sets a new version once the transaction
commits, so every entry read from that model is read anew. An entry also expires after ``TIMEOUT``.

Rules:
- What a page *offers*: a form still validates against the database (its field's queryset), so an entry
  that is a little old can show a stale option, never let one through.
- What it *allows* (the signed-in user and their grants) or states as a fact (an unread count),
  ``exact=True``, only where the cache is shared by every worker (Redis), where a new version is seen at
  once; with the local-memory cache never.
- With Redis (``YISHI_REDIS_URL``) the cache is shared and a change is seen by every worker at once. With
  the per-process local-memory cache, another worker sees it when its entry expires (``TIMEOUT``).
- Writes that bypass the model's signals (``QuerySet.update``, ``bulk_create``) call ``changed(model)``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

TIMEOUT = 300
_PREFIX = "yishi:cached"


def _version_key(watched) -> str:
    """A model's version key, or with ``(model, scope)`` the key of a part of its rows (one user's
    notifications), which only ``changed(model, scopes=...)`` sets."""
    model, scope = watched if isinstance(watched, tuple) else (watched, None)
    key = f"{_PREFIX}:version:{model._meta.label_lower}"
    return key if scope is None else f"{key}:{scope}"


def remembered(name: str, parts: Iterable, models: Iterable, compute: Callable, *, exact: bool = False):
    """``compute()``, kept under ``name`` and ``parts`` (what the value depends on besides the data of
    ``models``) until a row of one of ``models`` changes or ``TIMEOUT`` passes. An item of ``models`` may be
    ``(model, scope)``: only that part of the model's rows (``changed(model, scopes=[scope])``).

    One round trip on a hit: the entry and the models' versions are read together, and the entry holds the
    versions it was computed under, so a change to any of the models (a new version) makes it a miss.

    ``exact``: the value must be right on the very next request — it decides what someone may do (the
    signed-in user and their grants) or states a fact (an unread count). Such a value is kept only when the
    cache is shared by every worker (``settings.CACHE_IS_SHARED``: Redis), where a change is seen by all at
    once; with the per-process local-memory cache it is computed on every call.
    """
    if exact and not settings.CACHE_IS_SHARED:
        return compute()
    version_keys = [_version_key(m) for m in models]
    key = ":".join(str(p) for p in (_PREFIX, name, *parts))
    found = cache.get_many([key, *version_keys])
    # A missing version (never set, or evicted) is set anew rather than taken as 0, which an entry from
    # before the eviction could still carry.
    for version_key in version_keys:
        if version_key not in found:
            cache.add(version_key, time.time_ns(), timeout=None)
            found[version_key] = cache.get(version_key)
    versions = [found[k] for k in version_keys]
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = compute()
    if exact and transaction.get_connection().in_atomic_block:
        # Read inside a transaction, the value may hold that transaction's own writes (a grant it adds): kept
        # only once they are committed, never when it rolls back.
        transaction.on_commit(lambda: cache.set(key, (versions, value), timeout=TIMEOUT))
    else:
        cache.set(key, (versions, value), timeout=TIMEOUT)
    return value


def changed(model, *, scopes: Iterable | None = None) -> None:
    """Drop every entry read from ``model`` (with ``scopes``: from those parts of its rows): at once, so that
    the writing transaction reads its own change, and again once it commits, since a worker reading in
    between still saw the old rows and may have kept them under the new version."""
    keys = [_version_key(model)] if scopes is None else [_version_key((model, s)) for s in scopes]

    def new_versions():
        cache.set_many(dict.fromkeys(keys, time.time_ns()), timeout=None)

    new_versions()
    transaction.on_commit(new_versions)


def watch(model) -> None:
    """Call ``changed(model)`` on every save and delete of ``model``'s rows."""

    def on_change(sender, **kwargs):
        changed(sender)

    uid = f"yishi.core.caching:{model._meta.label_lower}"
    post_save.connect(on_change, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(on_change, sender=model, weak=False, dispatch_uid=uid)


class WorkerMemo:
    """A bounded map kept by one worker process (least recently used entries dropped first): what a worker
    computes again and again from the same inputs and never needs to share — compiled SQL of a list's
    shape, not data. Not the cache: nothing in it can go stale, since its keys hold everything its values
    are computed from. Safe across threads (a live-server test's, a threaded server's)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            try:
                self._entries.move_to_end(key)
            except KeyError:
                return default
            return self._entries[key]

    def set(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
