"""core.caching: what is remembered is read once, and read anew after its models change."""

import pytest
from django.db import transaction

from yishi.areas.models import Area
from yishi.cases.models import Category
from yishi.core import caching

pytestmark = pytest.mark.django_db


def names():
    return caching.remembered(
        "test-names", ["x"], [Category], lambda: sorted(Category.objects.values_list("name", flat=True))
    )


def test_a_remembered_value_is_read_once(django_assert_num_queries):
    Category.objects.create(key="road", name="道路")
    with django_assert_num_queries(1):
        assert names() == ["道路"]
    with django_assert_num_queries(0):
        assert names() == ["道路"]


def test_a_save_or_delete_of_a_watched_model_reads_it_anew():
    road = Category.objects.create(key="road", name="道路")
    assert names() == ["道路"]
    road.name = "道路交通"
    road.save()
    assert names() == ["道路交通"]
    road.delete()
    assert names() == []


def test_parts_keep_values_apart_and_other_models_do_not_drop_them(django_assert_num_queries, tree):
    Category.objects.create(key="road", name="道路")
    a = caching.remembered("test", ["a"], [Category], lambda: "a")
    b = caching.remembered("test", ["b"], [Category], lambda: "b")
    assert (a, b) == ("a", "b")
    assert names() == ["道路"]
    tree.community.name = "新名字"
    tree.community.save()  # an Area: not a model of these entries
    with django_assert_num_queries(0):
        assert names() == ["道路"]


def test_a_change_drops_entries_again_when_it_commits(django_capture_on_commit_callbacks):
    """A reader between the write and its commit could keep the old rows under the new version."""
    Category.objects.create(key="road", name="道路")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            Category.objects.create(key="water", name="供水")
    caching.remembered("test-names", ["x"], [Category], lambda: ["stale"])  # kept before the commit
    assert names() == ["stale"]
    for callback in callbacks:
        callback()
    assert names() == ["供水", "道路"]


def test_an_evicted_version_is_never_taken_for_an_old_one():
    from django.core.cache import cache

    caching.remembered("test", ["v"], [Area], lambda: "old")
    cache.delete(caching._version_key(Area))
    assert caching.remembered("test", ["v"], [Area], lambda: "new") == "new"


def test_a_hit_is_one_round_trip_to_the_cache(monkeypatch):
    """The entry and its models' versions are read together: one get_many, nothing else."""
    Category.objects.create(key="road", name="道路")
    names()
    calls, real = [], caching.cache

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    monkeypatch.setattr(caching, "cache", Counting())
    assert names() == ["道路"]
    assert calls == ["get_many"]


def test_the_redis_cache_builds_one_client_per_pool():
    """Django's client builds a redis.Redis per operation; ours keeps one (no server needed to build it)."""
    from yishi.core.redis_cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:6379/15", {})
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client() is client
    assert client.connection_pool is backend._cache._get_connection_pool(False)


def test_a_worker_memo_keeps_the_most_recently_used_entries():
    memo = caching.WorkerMemo(2)
    memo.set("a", 1)
    memo.set("b", 2)
    assert memo.get("a") == 1  # now the most recent
    memo.set("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    assert memo.get("b", "missing") == "missing" and len(memo) == 2
    memo.clear()
    assert len(memo) == 0
