"""Routing in the pages and the API: the case page panel, one-click correction, the list flag, intake."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from yishi.cases.models import Case
from yishi.cases.tests.factories import make_case
from yishi.core.tests.factories import user_with_role
from yishi.routing.models import CaseSuggestion, RoutingCorrection, RoutingSettings, Source
from yishi.routing.services import routing_train

from .conftest import seed_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(tree, categories):
    RoutingSettings.objects.create(confidence_threshold=0.3, min_cases_per_category=10)
    seed_history(tree.grid, categories, per_category=16)
    return routing_train(source=Source.CASES)


def test_case_page_shows_alternatives_and_one_click_correction(client, tree, categories, staff, live):
    case = make_case(tree.grid, category=categories["noise"], title="楼上漏水", text="楼上邻居家漏水到我家")
    client.force_login(staff)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'data-testid="routing-panel"' in page and "智能建议" in page
    assert page.count('data-testid="routing-alternative"') == 3
    assert 'data-testid="routing-route"' in page and "社区办理" in page
    response = client.post(
        reverse("routing:recategorize", args=[case.number]), {"category": categories["neighbour-disputes"].pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.category == categories["neighbour-disputes"]
    assert RoutingCorrection.objects.get(case=case).by == staff


def test_correction_bad_input_is_a_field_error_and_out_of_scope_is_404(client, tree, categories, staff):
    case = make_case(tree.grid, category=categories["noise"])
    client.force_login(staff)
    response = client.post(reverse("routing:recategorize", args=[case.number]), {"category": "999999"})
    assert response.status_code == 400 and "请从列表中选择类别" in response.content.decode()
    client.force_login(user_with_role("community_staff", tree.sibling, username="jinhua"))
    response = client.post(
        reverse("routing:recategorize", args=[case.number]), {"category": categories["heating"].pk}
    )
    assert response.status_code == 404
    response = client.post(reverse("routing:recategorize", args=["2026-000000-000001"]), {"category": 1})
    assert response.status_code == 404


def test_manual_dispatch_flag_on_the_list_and_the_page(client, tree, categories, staff):
    flagged = make_case(tree.grid, category=categories["noise"], title="咨询", text="想问一下社保政策")
    clear = make_case(tree.grid, category=categories["noise"], title="广场舞", text="广场舞噪音太大")
    assert CaseSuggestion.objects.get(case=flagged).needs_manual_dispatch
    client.force_login(staff)
    listing = client.get(reverse("cases:list")).content.decode()
    row = listing.split(f'data-number="{flagged.number}"')[1].split("</tr>")[0]
    assert 'data-testid="manual-dispatch"' in row
    row = listing.split(f'data-number="{clear.number}"')[1].split("</tr>")[0]
    assert 'data-testid="manual-dispatch"' not in row
    page = client.get(reverse("cases:detail", args=[clear.number])).content.decode()
    assert "按关键词建议" in page
    # Confirming the category by one click ends the flag.
    client.post(reverse("routing:recategorize", args=[flagged.number]), {"category": categories["noise"].pk})
    assert not CaseSuggestion.objects.get(case=flagged).needs_manual_dispatch
    listing = client.get(reverse("cases:list")).content.decode()
    row = listing.split(f'data-number="{flagged.number}"')[1].split("</tr>")[0]
    assert 'data-testid="manual-dispatch"' not in row


def test_opinion_box_hints_say_which_suggestion(client, tree, categories, live):
    url = reverse("cases:opinion_box_hints", args=[tree.community.pk])
    html = client.post(
        url, {"title": "邻居家音响声音太大", "text": "", "category_auto": "1"}
    ).content.decode()
    assert "智能建议" in html and 'data-key="noise"' in html


def test_api_intake_without_a_category_gets_the_suggestion(tree, categories, live):
    api = APIClient()
    response = api.post(
        "/api/v1/cases/",
        {"area": tree.grid.pk, "title": "暖气不热", "text": "入冬以来家里暖气一直不热", "is_anonymous": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.category == categories["heating"]
    assert CaseSuggestion.objects.get(case=case).source == "model"
    response = api.post(
        "/api/v1/cases/", {"area": tree.grid.pk, "title": "", "text": "", "is_anonymous": True}, format="json"
    )
    assert response.status_code == 400


def test_staff_recording_without_a_category_gets_the_suggestion(client, tree, categories, staff, live):
    client.force_login(staff)
    data = {
        "channel": "phone",
        "area": tree.grid.pk,
        "category": "",
        "title": "垃圾桶满了",
        "text": "小区门口的垃圾桶满了好几天没人清运，臭气熏天",
        "urgency": "normal",
        "confirmed": "True",
    }
    response = client.post(reverse("cases:record"), data)
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.category == categories["garbage"]
    response = client.post(reverse("cases:record"), {**data, "title": "", "text": ""})
    assert response.status_code == 400
