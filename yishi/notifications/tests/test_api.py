import pytest
from rest_framework.test import APIClient

from yishi.core.tests.factories import user_with_role
from yishi.notifications.models import Notification
from yishi.notifications.services import notify


@pytest.fixture
def users(tree):
    return (
        user_with_role("resident", tree.community, username="alice"),
        user_with_role("resident", tree.community, username="bob"),
    )


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_only_own(users):
    alice, bob = users
    notify(recipients=[alice], title="mine")
    notify(recipients=[bob], title="theirs")
    response = api_for(alice).get("/api/v1/notifications/")
    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["mine"]


def test_other_users_notification_is_404(users):
    alice, bob = users
    (theirs,) = notify(recipients=[bob], title="theirs")
    client = api_for(alice)
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_and_read_all(users):
    alice, bob = users
    (one,) = notify(recipients=[alice], title="one")
    notify(recipients=[alice, bob], title="two")
    client = api_for(alice)
    response = client.post(f"/api/v1/notifications/{one.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    response = client.post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_anonymous_is_refused(db):
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)
