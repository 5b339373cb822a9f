"""Django's Redis cache with one client per connection pool, kept for the life of the process.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache operation; with
redis-py 8 that object costs about 0.1 ms to build (its retry, parser and response-callback tables), and a
signed-in page makes three or four cache reads (its session, the cached options, the signed-in identity).
A ``redis.Redis`` is safe to share between threads (it borrows a connection from the pool per command), and
its pool opens new connections in a forked worker, so one client per pool is all a process needs.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
