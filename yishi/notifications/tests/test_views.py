import pytest
from django.urls import reverse

from yishi.core.tests.factories import user_with_role
from yishi.notifications.models import Notification
from yishi.notifications.services import notify


@pytest.fixture
def alice(tree):
    return user_with_role("resident", tree.community, username="alice")


@pytest.fixture
def bob(tree):
    return user_with_role("resident", tree.community, username="bob")


def test_inbox_requires_login(client, db):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302


def test_inbox_shows_only_own_notifications(client, alice, bob):
    notify(recipients=[alice], title="给爱丽丝的消息")
    notify(recipients=[bob], title="给鲍勃的消息")
    client.force_login(alice)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "给爱丽丝的消息" in text
    assert "给鲍勃的消息" not in text
    assert 'data-testid="unread-count">1<' in text


def test_mark_read_and_someone_elses_is_404(client, alice, bob):
    (mine,) = notify(recipients=[alice], title="a")
    (theirs,) = notify(recipients=[bob], title="b")
    client.force_login(alice)
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert client.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405


def test_mark_all_read_htmx_returns_fragment_with_header_refresh(client, alice, bob):
    notify(recipients=[alice, bob], title="a")
    notify(recipients=[alice], title="b")
    client.force_login(alice)
    response = client.post(reverse("notifications:mark_all_read"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text  # a fragment, not the whole page
    assert 'id="inbox"' in text
    assert "hx-swap-oob" in text and "unread-count" not in text
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_mark_all_read_plain_post_redirects(client, alice):
    notify(recipients=[alice], title="a")
    client.force_login(alice)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
