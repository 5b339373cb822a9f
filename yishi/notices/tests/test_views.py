import re

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from yishi.core.tests.factories import UnitFactory, user_with_role
from yishi.notices import links
from yishi.notices.models import Notice, NoticeStatus
from yishi.notices.services import notice_withdraw

from .helpers import NAME, PHONE, SENSITIVE_BODY, assert_masked, ge_zhaozhong, publish, yesterday

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensitive(tree, staff):
    ge_zhaozhong(tree.building)
    return publish(staff, tree.community, title=f"{NAME}提议拆除煤房子", body=SENSITIVE_BODY)


def text_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("page", ["board", "detail", "print", "portal"])
def test_every_public_page_shows_only_masked_values(client, tree, sensitive, page):
    url = {
        "board": reverse("notices:board", args=[tree.community.pk]),
        "detail": reverse("notices:detail", args=[sensitive.pk]),
        "print": reverse("notices:print", args=[sensitive.pk]),
        "portal": reverse("core:portal"),
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    content = text_of(response)
    for raw in (PHONE, "640302199001011234", NAME):
        assert raw not in content
    if page == "portal":
        assert "戈*忠提议拆除煤房子" in content
    else:
        assert_masked(content)


def test_board_lists_newest_first_and_paginates(client, tree, staff):
    for i in range(25):
        publish(staff, tree.grid if i % 2 else tree.community, title=f"第{i:02d}号公示")
    first = text_of(client.get(reverse("notices:board", args=[tree.community.pk])))
    titles = re.findall(r"第(\d\d)号公示", first)
    assert titles[:3] == ["24", "23", "22"] and len(titles) == 20
    second = text_of(client.get(reverse("notices:board", args=[tree.community.pk]), {"page": 2}))
    assert re.findall(r"第(\d\d)号公示", second) == ["04", "03", "02", "01", "00"]


def test_board_query_count_is_pinned(client, tree, staff, django_assert_max_num_queries):
    for i in range(30):
        publish(staff, tree.grid, title=f"公示{i}")
    with django_assert_max_num_queries(4):
        assert client.get(reverse("notices:board", args=[tree.community.pk])).status_code == 200


def test_portal_query_count_is_pinned(client, tree, staff, django_assert_max_num_queries):
    for area in (tree.community, tree.grid, tree.building, tree.street):
        for i in range(4):
            publish(
                staff if area != tree.street else user_with_role("street_staff", tree.street),
                area,
                title=f"公示{i}",
            )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("core:portal"))
    assert text_of(response).count('data-testid="board-card"') == 4


def test_board_has_an_opinion_box_with_the_community_office(client, tree):
    UnitFactory(area=tree.community, name="裕西社区居委会", kind="residents_committee", phone="0953-2011111")
    content = text_of(client.get(reverse("notices:board", args=[tree.grid.pk])))
    assert 'id="opinion-box"' in content and "意见征集箱" in content
    assert "裕西社区居委会" in content and "0953-2011111" in content


def test_unknown_board_is_a_404(client, tree):
    assert client.get(reverse("notices:board", args=[999999])).status_code == 404


def test_withdrawn_and_expired_notices_leave_every_public_page(client, tree, staff):
    withdrawn = publish(staff, tree.community, title="已撤回的公示")
    notice_withdraw(actor=staff, notice=withdrawn, reason="信息有误")
    expired = publish(staff, tree.community, title="已过期的公示")
    Notice.objects.filter(pk=expired.pk).update(expires_on=yesterday())
    for notice in (withdrawn, expired):
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
        assert client.get(reverse("notices:print", args=[notice.pk])).status_code == 404
    for url in (reverse("notices:board", args=[tree.community.pk]), reverse("core:portal")):
        content = text_of(client.get(url))
        assert "已撤回的公示" not in content and "已过期的公示" not in content
    client.force_login(staff)
    content = text_of(client.get(reverse("notices:manage")))
    assert "已撤回的公示" in content and "原因：信息有误" in content
    assert "已过期的公示" in content and 'data-testid="status-expired"' in content


def test_print_page_is_an_a4_sheet_with_two_qr_codes(client, tree, staff):
    notice = publish(staff, tree.community, title="停水通知", body="明日停水。")
    response = client.get(reverse("notices:print", args=[notice.pk]))
    content = text_of(response)
    assert "@page { size: A4; margin: 15mm }" in content
    assert "topbar" not in content  # its own sheet, not the site chrome
    assert content.count("<svg") == 2
    page_url = f"http://testserver/notices/{notice.pk}/"
    box_url = f"http://testserver/cases/box/{tree.community.pk}/"
    # Each QR is exactly the code segno makes for that URL.
    assert links.qr_svg(page_url) in content and links.qr_svg(box_url) in content
    assert segno.make(page_url, error="m").svg_inline(scale=3, title=page_url) in content
    assert "裕西社区" in content and "停水通知" in content and "明日停水。" in content
    assert timezone.localdate().strftime("%Y年").lstrip("0") in content


def test_qr_urls_are_absolute(rf, tree, staff):
    notice = publish(staff, tree.community)
    request = rf.get("/", HTTP_HOST="yishi.example.cn", secure=True)
    assert links.notice_url(request, notice) == f"https://yishi.example.cn/notices/{notice.pk}/"
    assert links.opinion_box_url(request, tree.community.pk) == (
        f"https://yishi.example.cn/cases/box/{tree.community.pk}/"
    )


# --- staff pages ---------------------------------------------------------------------------------------


def test_staff_publishes_through_the_form(client, tree, staff):
    ge_zhaozhong(tree.building)
    client.force_login(staff)
    response = client.post(
        reverse("notices:create"),
        {
            "area": tree.community.pk,
            "kind": "council_result",
            "title": "议事结果",
            "body": SENSITIVE_BODY,
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == reverse("notices:detail", args=[notice.pk])
    assert_masked(notice.body)
    assert notice.kind == "council_result"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "请填写标题。"),
        ({"expires_on": "2020-01-01"}, "expires_on", "公示截止日期不能早于今天。"),
        ({"expires_on": "明天"}, "expires_on", "请输入正确的日期。"),
        ({"area": "sibling"}, "area", "您不能在这个区域发布公示。"),
    ],
)
def test_publish_form_shows_field_errors(client, tree, staff, data, field, message):
    client.force_login(staff)
    post = {"area": tree.community.pk, "kind": "general", "title": "标题", "body": "正文", **data}
    if post["area"] == "sibling":
        post["area"] = tree.sibling.pk
    response = client.post(reverse("notices:create"), post)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert not Notice.objects.exists()


def test_publish_form_offers_only_areas_in_scope(client, tree, staff):
    client.force_login(staff)
    choices = {c[1] for c in client.get(reverse("notices:create")).context["form"].fields["area"].choices}
    assert {"裕西社区", "第一网格", "古城巷5号楼"} <= choices and "金花社区" not in choices


def test_preview_masks_the_text(client, tree, staff):
    ge_zhaozhong(tree.building)
    client.force_login(staff)
    response = client.post(
        reverse("notices:preview"),
        {"area": tree.community.pk, "title": f"{NAME}的提议", "body": SENSITIVE_BODY},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert_masked(text_of(response))
    assert not Notice.objects.exists()


def test_staff_pages_need_login_and_the_permission(client, tree):
    assert client.get(reverse("notices:create")).status_code == 302
    assert client.get(reverse("notices:manage")).status_code == 302
    client.force_login(user_with_role("resident", tree.community))
    assert client.get(reverse("notices:create")).status_code == 404
    assert client.get(reverse("notices:manage")).status_code == 404


def test_manage_lists_the_scope_only_and_withdraws_with_a_reason(client, tree, staff):
    mine = publish(staff, tree.grid, title="我的公示")
    sibling_staff = user_with_role("community_staff", tree.sibling)
    theirs = publish(sibling_staff, tree.sibling, title="金花的公示")
    client.force_login(staff)
    content = text_of(client.get(reverse("notices:manage")))
    assert "我的公示" in content and "金花的公示" not in content
    # Out of scope is a 404, exactly as a missing notice.
    assert client.get(reverse("notices:withdraw", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notices:withdraw", args=[theirs.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("notices:withdraw", args=[999999])).status_code == 404
    # The reason is required.
    response = client.post(reverse("notices:withdraw", args=[mine.pk]), {"reason": ""})
    assert response.status_code == 400 and "请填写撤回原因。" in response.context["form"].errors["reason"]
    mine.refresh_from_db()
    assert mine.status == NoticeStatus.PUBLISHED
    response = client.post(reverse("notices:withdraw", args=[mine.pk]), {"reason": "已过时"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.withdraw_reason, mine.withdrawn_by) == (NoticeStatus.WITHDRAWN, "已过时", staff)
    theirs.refresh_from_db()
    assert theirs.status == NoticeStatus.PUBLISHED


def test_manage_query_count_is_pinned(client, tree, staff, django_assert_max_num_queries):
    for i in range(30):
        notice = publish(staff, tree.grid, title=f"公示{i}")
        if i % 3 == 0:
            notice_withdraw(actor=staff, notice=notice, reason="撤回")
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notices:manage")).status_code == 200
