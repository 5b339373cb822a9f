"""The API describes itself: an OpenAPI 3 schema and its docs page, served without any CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served_and_lists_the_endpoints(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/areas/",
        "/api/v1/units/",
        "/api/v1/people/",
        "/api/v1/notices/",
        "/api/v1/notifications/",
    ):
        assert expected in paths, expected


def test_api_docs_page_uses_local_assets(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_api_requires_login(client):
    assert client.get("/api/v1/people/").status_code in (401, 403)


def test_portal_finds_a_community_by_name(client, tree):
    response = client.get("/", {"q": "裕西"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/notices/board/{tree.community.pk}/" in html
    assert "金花社区" not in html
