"""Input no client has a reason to send still gets a clear 400, never a 500 (PostgreSQL refuses NUL bytes)."""

import pytest

from yishi.core.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/api/v1/areas/?q=a%00",
        "/accounts/people/?q=a%00",
        "/cases/a%00b/",
        "/cases/track/a%00/",
        "/open311/v2/requests/a%00.json",
        "/open311/v2/requests.json?service_code=a%00",
    ],
)
def test_nul_in_a_url_is_a_400(client, tree, url):
    client.force_login(user_with_role("community_staff", tree.community))
    response = client.get(url)
    assert response.status_code == 400


def test_nul_in_a_form_is_a_400(client, tree):
    response = client.post("/open311/v2/requests.json", {"api_key": "x", "first_name": "A\x00B"})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "The request contains a NUL character."}]


def test_out_of_range_numbers_and_dates_are_400s(client, tree):
    from yishi.cases.tests.factories import make_case

    staff = user_with_role("community_staff", tree.community)
    client.force_login(staff)
    assert client.get("/api/v1/areas/?parent=" + "9" * 30).status_code == 400
    assert client.get("/cases/?before=2026-02-30T00:00:00_1").status_code == 200
    assert client.get("/cases/?before=2026-01-01T00:00:00_" + "9" * 30).status_code == 200
    assert client.get("/open311/v2/requests.xml?end_date=0001-01-01T00:00:00").status_code == 400
    case = make_case(tree.building)
    from yishi.cases.tests.factories import force_status
    from yishi.cases.workflow import Status

    force_status(case, Status.ACCEPTED)
    response = client.post(
        f"/api/v1/cases/{case.number}/joint/",
        {"scheduled_at": "0001-01-01T00:00:00", "location": "x", "participants": []},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_mine_with_an_impossible_cursor_is_not_an_error(client, tree):
    resident = user_with_role("resident", tree.community)
    client.force_login(resident)
    assert client.get("/cases/mine/?before=2026-02-30T00:00:00_1").status_code == 200
