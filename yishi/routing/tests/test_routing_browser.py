"""Browser journey: a resident complains about a neighbour's loudspeaker; the opinion box suggests the noise
category (智能建议, not a keyword match: no noise keyword is in the text), and the community staff member
confirms it with one click on the case page, then corrects another case's category with one click."""

import pytest
from playwright.sync_api import expect

from yishi.cases.models import Case
from yishi.routing.models import CaseSuggestion, RoutingCorrection, RoutingSettings, Source
from yishi.routing.services import routing_train

from .conftest import rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    assert "/accounts/login/" not in page.url


def test_loudspeaker_complaint_gets_noise_suggested_and_staff_confirm_or_correct_it(
    page, live_server, tree, staff, categories
):
    RoutingSettings.objects.create(confidence_threshold=0.3, min_cases_per_category=10)
    assert routing_train(source=Source.CSV, rows=rows(400)).is_live
    noise = categories["noise"]
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/cases/box/{tree.community.pk}/")
    page.get_by_test_id("title").fill("邻居家音响声音太大")
    page.get_by_test_id("text").fill("隔壁邻居家音响每天晚上开到很晚，声音太大，孩子没法睡觉。")
    expect(page.get_by_test_id("suggestion-source")).to_have_text("智能建议")
    expect(page.get_by_test_id("suggested-category")).to_contain_text("噪声扰民")
    expect(page.locator("#id_category")).to_have_value(str(noise.pk))
    page.get_by_test_id("area").select_option(str(tree.building.pk))
    page.get_by_test_id("is-anonymous").check()
    page.get_by_test_id("submit").click()
    number = page.get_by_test_id("case-number").inner_text()
    case = Case.objects.get(number=number)
    assert case.category == noise
    assert CaseSuggestion.objects.get(case=case).category == noise

    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/cases/{number}/")
    panel = page.get_by_test_id("routing-panel")
    expect(panel).to_contain_text("智能建议")
    expect(panel.get_by_test_id("routing-alternative").first).to_contain_text("噪声扰民")
    panel.get_by_test_id("routing-confirm").click()
    expect(page.get_by_test_id("routing-confirmed")).to_be_visible()
    expect(page.get_by_test_id("case-category")).to_have_text("噪声扰民")
    assert not RoutingCorrection.objects.filter(case=case).exists()

    # Another alternative is one click away: staff correct the category, which routing learns from.
    alternative = page.get_by_test_id("routing-alternative").nth(1)
    key = alternative.get_attribute("data-key")
    alternative.locator("button").click()
    expect(page.get_by_test_id("case-category")).to_have_text(categories[key].name)
    correction = RoutingCorrection.objects.get(case=case)
    assert correction.from_category == noise and correction.to_category.key == key and correction.by == staff
