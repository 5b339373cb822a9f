from django.contrib.auth.models import AnonymousUser

from yishi.core.tests.factories import user_with_role
from yishi.notifications.selectors import inbox, unread_count
from yishi.notifications.services import notification_mark_read, notify


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
