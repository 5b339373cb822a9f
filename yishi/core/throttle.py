"""A small counter in the cache that refuses a client after too many hits in a time window.

Used where one request costs something real (an SMS sent). Counters live in the configured cache: shared
between workers with Redis (``YISHI_REDIS_URL``), per worker process with the default local-memory cache.
"""

from django.core.cache import cache


def client_ip(request) -> str:
    """The client address as the server saw it (a proxy in front must set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for ``key``; False once it has had more than ``limit`` hits within the window."""
    cache_key = f"yishi:throttle:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
