"""Browser journey on a phone: a resident files a noise complaint anonymously, keeps the secret link, and
later rates the reply through it."""

import re

import pytest
from playwright.sync_api import expect

from yishi.cases import services
from yishi.cases.models import Case, Rating, ReplyChannel
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.workflow import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anonymous_noise_complaint_from_a_phone_then_rating_the_reply(page, live_server, tree, staff):
    env = CategoryFactory(key="env", name="环境卫生")
    noise = CategoryFactory(key="noise", name="噪声扰民", parent=env, keywords="噪音 喇叭 扰民")
    CategoryFactory(key="parking", name="停车管理", keywords="停车")
    earlier = make_case(tree.grid, category=noise, title="商铺喇叭噪音", text="商铺门口喇叭循环播放广告")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/cases/box/{tree.community.pk}/")
    page.get_by_test_id("title").fill("楼下商铺喇叭噪音")
    page.get_by_test_id("text").fill("古城巷口商铺每天用喇叭循环播放广告，噪音很大，晚上也不停。")
    # The category is suggested from the text, and the similar open case shows with its guidance.
    expect(page.get_by_test_id("suggested-category")).to_contain_text("噪声扰民")
    expect(page.locator("#id_category")).to_have_value(str(noise.pk))
    expect(page.get_by_test_id("similar-case")).to_contain_text(earlier.number)
    page.get_by_test_id("area").select_option(str(tree.building.pk))
    page.get_by_test_id("address").fill("古城巷5号楼楼下")
    page.get_by_test_id("is-anonymous").check()
    expect(page.get_by_test_id("reporter-phone")).to_be_hidden()
    page.get_by_test_id("submit").click()

    number = page.get_by_test_id("case-number").inner_text()
    link = page.get_by_test_id("tracking-link").inner_text()
    expect(page.get_by_test_id("link-warning")).to_be_visible()
    case = Case.objects.get(number=number)
    assert case.is_anonymous and case.category == noise and case.area == tree.building
    assert link.endswith(f"?t={case.tracking_token}")

    # The community handles it and replies by phone (through the services, as staff would).
    services.case_accept(actor=staff, case=case)
    services.case_handle_self(actor=staff, case=case)
    services.case_resolve(actor=staff, case=case, result="约谈商户，拆除喇叭")
    services.case_reply(actor=staff, case=case, channel=ReplyChannel.PHONE, text="商户已拆除喇叭，请您监督。")

    page.goto(link)
    expect(page.get_by_test_id("case-status")).to_have_text("已答复待评价")
    expect(page.get_by_test_id("reply")).to_contain_text("商户已拆除喇叭")
    page.get_by_test_id("rate-satisfied").click()
    page.get_by_test_id("rate-submit").click()
    expect(page.locator(".messages")).to_contain_text("诉求已办结归档")
    expect(page.get_by_test_id("stage-rated")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("rate-form")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and Rating.objects.get(case=case).value == "satisfied"
    assert re.search(r"\?t=", page.url)
