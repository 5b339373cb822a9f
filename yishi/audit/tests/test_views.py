"""The audit list page: scope, filters, keyset pagination, bad input, query count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from yishi.areas.models import Level
from yishi.areas.services import area_create, area_update
from yishi.audit import selectors
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import user_with_role

pytestmark = pytest.mark.django_db
URL = "/audit/"


def seqs(response) -> list[int]:
    return [e.seq for e in response.context["events"]]


@pytest.fixture
def sibling_staff(tree):
    return user_with_role("community_staff", tree.sibling, username="jinhua-staff")


def test_url_name():
    assert reverse("audit:list") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_resident_without_audit_permission_is_refused(client, tree):
    client.force_login(user_with_role("resident", tree.community))
    assert client.get(URL).status_code == 403


def test_staff_sees_only_events_in_their_subtree(client, tree, staff, sibling_staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    paths = {e.area_path for e in response.context["events"]}
    assert paths and all(p.startswith(tree.community.path) for p in paths)
    sibling_seqs = set(
        AuditEvent.objects.filter(area_path__startswith=tree.sibling.path).values_list("seq", flat=True)
    )
    assert sibling_seqs and not sibling_seqs & set(seqs(response))
    assert 'data-testid="audit-row"' in response.content.decode()


def test_sibling_community_staff_sees_none_of_another_communitys_events(client, tree, staff, sibling_staff):
    client.force_login(sibling_staff)
    response = client.get(URL)
    assert response.status_code == 200
    visible = set(seqs(response))
    yuxi = set(
        AuditEvent.objects.filter(area_path__startswith=tree.community.path).values_list("seq", flat=True)
    )
    assert yuxi and not visible & yuxi
    assert visible == set(
        AuditEvent.objects.filter(area_path__startswith=tree.sibling.path).values_list("seq", flat=True)
    )


def test_district_admin_sees_every_event_of_the_district(client, tree, admin_user):
    client.force_login(admin_user)
    assert sorted(seqs(client.get(URL)), reverse=True) == seqs(client.get(URL))
    assert len(seqs(client.get(URL))) == AuditEvent.objects.count()


def test_filter_by_verb(client, tree, admin_user):
    area_update(actor=admin_user, area=tree.grid, address="古城巷")
    client.force_login(admin_user)
    response = client.get(URL, {"verb": "area.update"})
    assert response.status_code == 200
    assert [e.verb for e in response.context["events"]] == ["area.update"]


def test_unknown_verb_is_a_field_error(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.get(URL, {"verb": "drop.table"})
    assert response.status_code == 400
    assert "verb" in response.context["form"].errors


def test_filter_by_local_date_range(client, tree, admin_user):
    client.force_login(admin_user)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert len(seqs(client.get(URL, {"date_from": today, "date_to": today}))) == AuditEvent.objects.count()
    assert seqs(client.get(URL, {"date_to": yesterday})) == []
    assert seqs(client.get(URL, {"date_from": today + dt.timedelta(days=1)})) == []


def test_reversed_date_range_is_a_field_error(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.get(URL, {"date_from": "2025-05-02", "date_to": "2025-05-01"})
    assert response.status_code == 400
    assert "date_to" in response.context["form"].errors
    assert 'data-testid="error-date_to"' in response.content.decode()


def test_malformed_date_is_a_field_error(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.get(URL, {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.context["form"].errors


def test_keyset_pagination_on_seq(client, tree, admin_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    client.force_login(admin_user)
    first = client.get(URL)
    assert seqs(first) == [7, 6, 5]
    assert first.context["next_query"] == "before=5"
    second = client.get(URL, {"before": 5})
    assert seqs(second) == [4, 3, 2]
    third = client.get(URL, {"before": 2})
    assert seqs(third) == [1]
    assert third.context["next_query"] is None


def test_pagination_keeps_the_filters(client, tree, admin_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    client.force_login(admin_user)
    response = client.get(URL, {"verb": "area.create"})
    assert "verb=area.create" in response.context["next_query"]
    assert "before=" in response.context["next_query"]


def test_query_count_is_pinned(client, tree, admin_user, django_assert_num_queries):
    for n in range(60):
        area_create(actor=admin_user, parent=tree.community, name=f"网格{n}", level=Level.GRID)
    client.force_login(admin_user)
    # session, user with their person (AccountBackend), the user's grants, the page of events; then
    # base.html: unread count. The same however many events there are: the page holds no per-row query.
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.context["events"]) == selectors.PAGE_SIZE
