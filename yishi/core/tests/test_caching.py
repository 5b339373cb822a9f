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


def test_a_hit_is_one_round_trip_to_the_cache(counted):
    """The entry and its models' versions are read together: one get_many, nothing else."""
    Category.objects.create(key="road", name="道路")
    names()
    counted.clear()
    assert names() == ["道路"]
    assert counted == ["get_many"]


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


@pytest.fixture
def counted(monkeypatch):
    """The cache's calls, by name, from the moment the fixture is used."""
    calls, real = [], caching.cache

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    monkeypatch.setattr(caching, "cache", Counting())
    return calls


@pytest.fixture
def in_request():
    """Run the body as one request: ``in_request()`` starts the next one."""

    def start():
        caching.request_finished()
        caching.request_started()

    start()
    yield start
    caching.request_finished()


def test_a_request_reads_its_versions_once(settings, in_request, counted):
    """Where the cache is shared, a request's entries need one round trip for the versions of every model
    the worker has met, and the worker's copies need none after it: a later request asks only for them."""
    settings.CACHE_IS_SHARED = True
    caching._COPIES.clear()
    Category.objects.create(key="road", name="道路")
    assert names() == ["道路"]
    assert caching.remembered("test-area", [], [Area], lambda: "areas") == "areas"
    in_request()
    counted.clear()
    first = names()
    assert first == ["道路"] and caching.remembered("test-area", [], [Area], lambda: "x") == "areas"
    assert counted == ["get_many"]  # the versions of Category and Area together, no entry
    assert names() is not first  # each hit its own copy: a caller may change what it gets


def test_a_request_sees_its_own_change_and_the_next_one_another_workers(settings, in_request):
    """A change in the request is read at once; one another worker commits meanwhile (a new version in the
    shared cache, not in this request's) from the next request on."""
    from django.core.cache import cache

    settings.CACHE_IS_SHARED = True
    road = Category.objects.create(key="road", name="道路")
    assert names() == ["道路"]
    road.name = "道路交通"
    road.save()
    assert names() == ["道路交通"]
    Category.objects.filter(pk=road.pk).update(name="交通")
    cache.set(caching._version_key(Category), 1, timeout=None)  # another worker's changed(Category)
    assert names() == ["道路交通"]  # this request holds the versions it read
    in_request()
    assert names() == ["交通"]


def test_with_the_local_memory_cache_no_worker_copies(settings, in_request):
    """Not shared, the cache is the process's own already: nothing is copied (and no copy outlives the
    entry's TIMEOUT)."""
    settings.CACHE_IS_SHARED = False
    caching._COPIES.clear()
    Category.objects.create(key="road", name="道路")
    assert names() == ["道路"]
    in_request()
    assert names() == ["道路"] and len(caching._COPIES) == 0
