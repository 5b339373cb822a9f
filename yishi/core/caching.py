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
- Within a request the versions are read once, all together, on the first entry asked for; the entry
  itself is then kept by the worker too (a copy, pickled), so an entry asked for again on a later request
  under the same versions costs no round trip. A request therefore reads the entries as they were when
  it first asked for one, plus its own changes (``changed`` updates the versions it holds); a change
  another worker commits meanwhile is seen from the next request on.
"""

from __future__ import annotations

import pickle
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
    versions it was computed under, so a change to any of the models (a new version) makes it a miss. In a
    request, where the cache is shared, none for an entry the worker read before under the same versions
    once the request's versions are read (the module's docstring).

    ``exact``: the value must be right on the very next request — it decides what someone may do (the
    signed-in user and their grants) or states a fact (an unread count). Such a value is kept only when the
    cache is shared by every worker (``settings.CACHE_IS_SHARED``: Redis), where a change is seen by all at
    once; with the per-process local-memory cache it is computed on every call.
    """
    if exact and not settings.CACHE_IS_SHARED:
        return compute()
    models = list(models)
    version_keys = [_version_key(m) for m in models]
    key = ":".join(str(p) for p in (_PREFIX, name, *parts))
    seen = getattr(_request, "versions", None)
    if seen is None:  # outside a request: the entry and its versions in one round trip, as they are now
        found = cache.get_many([key, *version_keys])
        _add_missing(version_keys, found)
        versions = [found[k] for k in version_keys]
        entry = found.get(key)
    else:
        copy = _COPIES.get(key) if settings.CACHE_IS_SHARED else None
        if copy is not None and copy[1] < time.monotonic():
            copy = None
        whole = [k for k, m in zip(version_keys, models, strict=True) if not isinstance(m, tuple)]
        # Without a copy the entry is wanted anyway: read with the versions, if they are read.
        read = _request_versions(seen, version_keys, whole, [key] if copy is None else [])
        versions = [seen[k] for k in version_keys]
        if copy is not None and copy[0] == versions:
            return pickle.loads(copy[2])
        entry = read.get(key) if key in read else cache.get(key)
        if entry is not None and entry[0] == versions:
            _copy(key, versions, entry[1])
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = compute()

    def keep():
        cache.set(key, (versions, value), timeout=TIMEOUT)
        if seen is not None:
            _copy(key, versions, value)

    if exact and transaction.get_connection().in_atomic_block:
        # Read inside a transaction, the value may hold that transaction's own writes (a grant it adds): kept
        # only once they are committed, never when it rolls back.
        transaction.on_commit(keep)
    else:
        keep()
    return value


def _copy(key: str, versions: list, value) -> None:
    """Keep the worker's copy of an entry, where the cache is shared (with the local-memory cache the entry
    is this process's own already). A copy lives ``TIMEOUT`` from when it was made, so an entry is read
    again at the latest twice ``TIMEOUT`` after it was computed."""
    if settings.CACHE_IS_SHARED:
        _COPIES.set(key, (versions, time.monotonic() + TIMEOUT, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))


def _add_missing(version_keys: list, found: dict) -> None:
    # A missing version (never set, or evicted) is set anew rather than taken as 0, which an entry from
    # before the eviction could still carry.
    for version_key in version_keys:
        if version_key not in found:
            cache.add(version_key, time.time_ns(), timeout=None)
            found[version_key] = cache.get(version_key)


def _request_versions(seen: dict, version_keys: list, whole: list, asked: list) -> dict:
    """Fill ``seen`` (the request's versions) with ``version_keys``, reading them only if some are not known
    yet, and then every version of a whole model this worker has met too, so that the request's later
    entries find theirs already read: one round trip for a request's versions instead of one per entry.
    ``asked``: entries to read in the same round trip, returned as read (None for one not there); nothing
    is read, and nothing returned, when every version was known already."""
    missing = [k for k in version_keys if k not in seen]
    if not missing:
        return {}
    _WHOLE_VERSIONS.update(whole)
    wanted = list(dict.fromkeys([*missing, *(k for k in _WHOLE_VERSIONS if k not in seen)]))
    found = cache.get_many([*asked, *wanted])
    _add_missing(missing, found)
    seen.update((k, found[k]) for k in wanted if k in found)
    return {k: found.get(k) for k in asked}


def changed(model, *, scopes: Iterable | None = None) -> None:
    """Drop every entry read from ``model`` (with ``scopes``: from those parts of its rows): at once, so that
    the writing transaction reads its own change, and again once it commits, since a worker reading in
    between still saw the old rows and may have kept them under the new version."""
    keys = [_version_key(model)] if scopes is None else [_version_key((model, s)) for s in scopes]

    def new_versions():
        versions = dict.fromkeys(keys, time.time_ns())
        cache.set_many(versions, timeout=None)
        seen = getattr(_request, "versions", None)
        if seen is not None:  # the request reads its own change from now on
            seen.update(versions)

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


# The request's versions (``remembered``): a dict while a request runs, None outside one. Per thread: a
# live-server test's or a threaded server's requests run side by side.
_request = threading.local()
# Entries as this worker last read them, pickled (each hit unpickles its own copy, as a read from the cache
# does: a caller may change what it gets). Bounded: one entry per signed-in user is among them.
_COPIES = WorkerMemo(1000)
# The version keys of whole models this worker has read, all read at a request's first entry.
_WHOLE_VERSIONS: set[str] = set()


def request_started(**kwargs) -> None:
    _request.versions = {}


def request_finished(**kwargs) -> None:
    _request.versions = None
