import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from yishi.core.tests.factories import user_with_role
from yishi.notifications.selectors import inbox, unread_count
from yishi.notifications.services import notification_mark_read, notifications_mark_all_read, notify


def test_unread_count_is_one_query(tree, django_assert_num_queries):
    alice = user_with_role("resident", tree.community, username="alice")
    other = user_with_role("resident", tree.community, username="other")
    rows = notify(recipients=[alice, other], title="a")
    notify(recipients=[alice], title="b")
    notification_mark_read(actor=alice, notification=rows[0])
    with django_assert_num_queries(1):
        assert unread_count(user=alice) == 1
    with django_assert_num_queries(0):
        assert unread_count(user=AnonymousUser()) == 0


def test_inbox_lists_unread_first(tree):
    alice = user_with_role("resident", tree.community, username="alice")
    (old,) = notify(recipients=[alice], title="old")
    (read,) = notify(recipients=[alice], title="read")
    (new,) = notify(recipients=[alice], title="new")
    notification_mark_read(actor=alice, notification=read)
    assert [n.title for n in inbox(user=alice)] == ["new", "old", "read"]


@pytest.mark.django_db(transaction=True)
def test_with_a_shared_cache_the_count_is_kept_and_right_after_every_change(
    settings, tree, django_assert_num_queries
):
    """Kept in Redis (CACHE_IS_SHARED) per user; a new notification, one read and all read each change it."""
    settings.CACHE_IS_SHARED = True
    alice = user_with_role("resident", tree.community, username="alice")
    other = user_with_role("resident", tree.community, username="other")
    (first,) = notify(recipients=[alice], title="a")
    assert unread_count(user=alice) == 1
    with django_assert_num_queries(0):
        assert unread_count(user=alice) == 1
    assert unread_count(user=other) == 0
    notify(recipients=[alice, other], title="b")
    assert (unread_count(user=alice), unread_count(user=other)) == (2, 1)
    notification_mark_read(actor=alice, notification=first)
    assert unread_count(user=alice) == 1
    notifications_mark_all_read(actor=alice)
    assert (unread_count(user=alice), unread_count(user=other)) == (0, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[other], title="rolled back")
        assert unread_count(user=other) == 2  # the transaction sees its own
        raise RuntimeError
    assert unread_count(user=other) == 1
