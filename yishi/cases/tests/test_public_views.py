"""Resident pages: the opinion box (听), tracking, my cases, rating the reply (评)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from yishi.accounts.models import Role
from yishi.attachments.models import Attachment
from yishi.attachments.services import attachment_add
from yishi.attachments.tests.files import JPEG, PNG, TXT, upload
from yishi.cases import services
from yishi.cases.models import Case, CaseNumberSequence, Rating, ReplyChannel
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats():
    env = CategoryFactory(key="env", name="环境卫生", keywords="卫生")
    noise = CategoryFactory(key="noise", name="噪声扰民", parent=env, keywords="噪音 喇叭 广场舞")
    parking = CategoryFactory(key="parking", name="停车管理", keywords="停车 车位")
    off = CategoryFactory(key="off", name="停用", is_active=False)
    return {"env": env, "noise": noise, "parking": parking, "off": off}


@pytest.fixture
def resident(tree):
    user = UserFactory(username="resident-li", person__name="李秀兰", person__phone="13900001111")
    user.person.home_area = tree.building
    user.person.save(update_fields=["home_area"])
    return user


def box_url(area):
    return reverse("cases:opinion_box", args=[area.pk])


def payload(tree, cats, **over):
    data = {
        "title": "商铺喇叭噪音扰民",
        "text": "古城巷口的商铺每天用喇叭循环播放广告，噪音很大，影响休息。",
        "category": cats["noise"].pk,
        "area": tree.building.pk,
        "address": "古城巷5号楼楼下",
        "latitude": "",
        "longitude": "",
        "is_anonymous": "on",
        "reporter_name": "",
        "reporter_phone": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def reply_case(case, staff, text="已联系商户，喇叭已拆除。"):
    services.case_accept(actor=staff, case=case)
    case.refresh_from_db()
    services.case_handle_self(actor=staff, case=case)
    services.case_resolve(actor=staff, case=case, result="已整改")
    services.case_reply(actor=staff, case=case, channel=ReplyChannel.PHONE, text=text)
    case.refresh_from_db()
    return case


def track_url(case, token=None):
    url = reverse("cases:track", args=[case.number])
    return f"{url}?t={token}" if token is not None else url


# ---------------------------------------------------------------- the opinion box


def test_box_page_shows_the_form_with_grouped_categories_and_the_community_places(client, tree, cats):
    response = client.get(box_url(tree.community))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="opinion-box"' in html
    assert '<optgroup label="环境卫生">' in html and "噪声扰民" in html and "停用" not in html
    assert "古城巷5号楼" in html and "金花社区" not in html
    assert client.get(reverse("cases:opinion_box", args=[999999])).status_code == 404


def test_anonymous_submission_gives_the_number_and_the_link_once(client, tree, cats):
    response = client.post(box_url(tree.community), payload(tree, cats))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "opinion_box" and case.is_anonymous and case.reporter is None
    assert case.area == tree.building and case.category == cats["noise"] and case.status == Status.SUBMITTED
    done = client.get(response["Location"])
    html = done.content.decode()
    assert case.number in html and f"?t={case.tracking_token}" in html
    assert 'data-testid="link-warning"' in html
    # Shown once: the link is gone from the session afterwards.
    again = client.get(reverse("cases:opinion_box_done"))
    assert again.status_code == 302 and case.tracking_token not in again.content.decode()


def test_visitor_with_name_and_phone_is_recorded_as_reporter_contact(client, tree, cats):
    data = payload(tree, cats, is_anonymous=None, reporter_name="王建国", reporter_phone="138 0000 1234")
    response = client.post(box_url(tree.community), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.reporter_name, case.reporter_phone, case.is_anonymous) == ("王建国", "13800001234", False)
    assert case.tracking_token in client.get(response["Location"]).content.decode()


def test_signed_in_resident_is_the_reporter_and_follows_without_a_token(client, tree, cats, resident):
    client.force_login(resident)
    page = client.get(box_url(tree.community)).content.decode()
    assert 'name="reporter_phone"' not in page
    response = client.post(box_url(tree.community), payload(tree, cats, is_anonymous=None))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter == resident.person and case.recorded_by == resident
    done = client.get(response["Location"]).content.decode()
    assert case.number in done and case.tracking_token not in done
    assert client.get(track_url(case)).status_code == 200


def test_photos_are_attached_to_the_new_case(client, tree, cats):
    data = payload(tree, cats, photos=[upload("wall.png", PNG), upload("shop.jpg", JPEG)])
    response = client.post(box_url(tree.community), data)
    assert response.status_code == 302
    case = Case.objects.get()
    names = sorted(a.original_name for a in Attachment.objects.filter(object_id=str(case.pk)))
    assert names == ["shop.jpg", "wall.png"]


@pytest.mark.parametrize(
    "photos",
    [
        [upload("note.txt", TXT)],  # not a photo at all
        [upload("fake.jpg", TXT)],  # text renamed to .jpg: the content does not match
        [upload("a.png", PNG), upload("b.png", PNG), upload("c.png", PNG), upload("d.png", PNG)],  # too many
        [upload("ok.png", PNG), upload("fake.png", b"%PDF-1.4 not an image")],  # a bad second photo
    ],
)
def test_a_bad_photo_saves_nothing(client, tree, cats, photos):
    response = client.post(box_url(tree.community), payload(tree, cats, photos=photos))
    assert response.status_code == 400
    assert response.context["form"].errors["photos"]
    assert not Case.objects.exists()
    assert not Attachment.objects.exists()
    assert not CaseNumberSequence.objects.filter(last__gt=0).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"text": ""}, "text"),
        ({"category": ""}, "category"),
        ({"category": "999999"}, "category"),
        ({"category": "abc"}, "category"),
        ({"area": ""}, "area"),
        ({"area": "abc"}, "area"),
        ({"latitude": "100", "longitude": "106.2"}, "latitude"),
        ({"latitude": "37.98", "longitude": "east"}, "longitude"),
        ({"is_anonymous": None, "reporter_name": "", "reporter_phone": "13800001234"}, "reporter_name"),
        ({"is_anonymous": None, "reporter_name": "王建国", "reporter_phone": ""}, "reporter_phone"),
        ({"is_anonymous": None, "reporter_name": "王建国", "reporter_phone": "12345"}, "reporter_phone"),
    ],
)
def test_bad_input_gets_a_field_error_and_saves_nothing(client, tree, cats, changes, field):
    response = client.post(box_url(tree.community), payload(tree, cats, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field], response.context["form"].errors
    assert f'data-testid="{field.replace("_", "-")}"' in response.content.decode()
    assert not Case.objects.exists()


def test_inactive_category_is_refused(client, tree, cats):
    response = client.post(box_url(tree.community), payload(tree, cats, category=cats["off"].pk))
    assert response.status_code == 400 and response.context["form"].errors["category"]
    assert not Case.objects.exists()


def test_place_outside_the_box_is_refused(client, tree, cats):
    response = client.post(box_url(tree.community), payload(tree, cats, area=tree.sibling_grid.pk))
    assert response.status_code == 400 and response.context["form"].errors["area"]
    assert not Case.objects.exists()


def test_a_street_box_needs_a_community_or_below(client, tree, cats):
    response = client.post(box_url(tree.street), payload(tree, cats, area=tree.street.pk))
    assert response.status_code == 400
    assert "请选择到社区、网格或楼栋。" in response.context["form"].errors["area"]
    assert client.post(box_url(tree.street), payload(tree, cats, area=tree.sibling.pk)).status_code == 302


def test_every_field_error_is_reported_at_once(client, tree, cats):
    data = payload(tree, cats, title="", text="", is_anonymous=None, photos=[upload("x.txt", TXT)])
    response = client.post(box_url(tree.community), data)
    errors = response.context["form"].errors
    assert {"title", "text", "reporter_name", "reporter_phone", "photos"} <= set(errors)


# ---------------------------------------------------------------- hints while typing


def hints(client, tree, data):
    return client.post(reverse("cases:opinion_box_hints", args=[tree.community.pk]), data)


def test_hints_suggest_a_category_and_preselect_it(client, tree, cats):
    response = hints(
        client, tree, {"title": "喇叭太吵", "text": "商铺喇叭噪音", "category": "", "category_auto": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "噪声扰民" in html
    assert 'hx-swap-oob="true"' in html
    assert f'<option value="{cats["noise"].pk}" selected>' in html


def test_hints_leave_a_category_the_resident_picked(client, tree, cats):
    data = {"title": "喇叭", "text": "商铺喇叭噪音", "category": cats["parking"].pk, "category_auto": "0"}
    html = hints(client, tree, data).content.decode()
    assert "hx-swap-oob" not in html


def test_similar_open_cases_are_shown_masked_with_guidance(client, tree, cats):
    existing = make_case(
        tree.grid,
        category=cats["noise"],
        title="商铺喇叭噪音 联系13812345678",
        text="商铺门口喇叭循环播放广告",
        reporter_name="赵大海",
        reporter_phone="13812345678",
    )
    make_case(tree.sibling, category=cats["noise"], title="别的社区的喇叭噪音")
    data = {
        "title": "喇叭噪音",
        "text": "商铺门口的喇叭播放广告",
        "category": "",
        "category_auto": "1",
        "area": tree.building.pk,
        "latitude": "abc",
        "longitude": "",
    }
    html = hints(client, tree, data).content.decode()
    assert 'data-testid="similar-case"' in html and existing.number in html
    assert "13812345678" not in html and "138****5678" in html
    assert "赵大海" not in html and "别的社区" not in html
    assert "不必重复提交" in html


def test_hints_need_post_and_an_existing_box(client, tree, cats):
    assert client.get(reverse("cases:opinion_box_hints", args=[tree.community.pk])).status_code == 405
    assert client.post(reverse("cases:opinion_box_hints", args=[999999]), {}).status_code == 404


# ---------------------------------------------------------------- tracking


@pytest.fixture
def anon_case(tree, cats):
    return make_case(tree.building, category=cats["noise"], is_anonymous=True, title="喇叭噪音")


def test_tracking_by_token(client, anon_case):
    response = client.get(track_url(anon_case, anon_case.tracking_token))
    assert response.status_code == 200
    html = response.content.decode()
    assert anon_case.number in html and 'data-state="current"' in html
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_wrong_or_missing_token_is_a_404(client, anon_case, token):
    assert client.get(track_url(anon_case, token)).status_code == 404


def test_a_missing_number_is_a_404(client, anon_case):
    response = client.get(
        reverse("cases:track", args=["2026-000000-999999"]) + f"?t={anon_case.tracking_token}"
    )
    assert response.status_code == 404


def test_another_signed_in_person_cannot_track_a_case(client, tree, cats, resident):
    case = make_case(tree.building, category=cats["noise"], reporter=resident.person)
    client.force_login(UserFactory())
    assert client.get(track_url(case)).status_code == 404
    client.force_login(resident)
    assert client.get(track_url(case)).status_code == 200


def test_rejected_case_shows_the_reason_and_no_internal_notes(client, tree, cats, staff, anon_case):
    services.case_reject(actor=staff, case=anon_case, reason="该纠纷已进入诉讼程序，请等待法院判决。")
    html = client.get(track_url(anon_case, anon_case.tracking_token)).content.decode()
    assert "已进入诉讼程序" in html and 'data-testid="reject-reason"' in html
    assert "不予受理" in html


def test_progress_replies_and_masked_handler_without_internal_notes(client, tree, cats, staff, anon_case):
    staff.person.name = "马晓燕"
    staff.person.save(update_fields=["name"])
    services.case_accept(actor=staff, case=anon_case, note="内部备注：先核实商铺证照")
    services.case_contact(actor=staff, case=anon_case, note="内部：已电话联系商户老板13911112222")
    services.case_handle_self(actor=staff, case=anon_case)
    services.case_resolve(actor=staff, case=anon_case, result="内部：约谈商户")
    services.case_reply(
        actor=staff, case=anon_case, channel=ReplyChannel.IN_PERSON, text="已拆除喇叭，请监督。"
    )
    html = client.get(track_url(anon_case, anon_case.tracking_token)).content.decode()
    assert "已拆除喇叭" in html and "马*燕" in html and "马晓燕" not in html
    assert "内部" not in html and "13911112222" not in html
    assert 'data-testid="stage-replied" data-state="done"' in html
    assert 'data-testid="stage-rated" data-state="current"' in html
    assert 'data-testid="rate-form"' in html


# ---------------------------------------------------------------- rating


def rate(client, case, token=None, **data):
    if token is not None:
        data["t"] = token
    return client.post(reverse("cases:rate", args=[case.number]), data)


def test_no_rating_before_the_reply(client, staff, anon_case):
    services.case_accept(actor=staff, case=anon_case)
    html = client.get(track_url(anon_case, anon_case.tracking_token)).content.decode()
    assert 'data-testid="rate-form"' not in html
    response = rate(client, anon_case, anon_case.tracking_token, value="satisfied")
    assert response.status_code == 400 and response.context["rate_form"].errors["value"]
    assert not Rating.objects.exists()


def test_only_the_reporter_rates(client, tree, cats, staff, resident, anon_case):
    reply_case(anon_case, staff)
    assert rate(client, anon_case, "nope", value="satisfied").status_code == 404
    assert rate(client, anon_case, value="satisfied").status_code == 404
    client.force_login(resident)  # signed in, but not this case's reporter
    assert rate(client, anon_case, value="satisfied").status_code == 404
    assert not Rating.objects.exists()


def test_satisfied_closes_the_case(client, staff, anon_case):
    reply_case(anon_case, staff)
    response = rate(client, anon_case, anon_case.tracking_token, value="satisfied", comment="很及时")
    assert response.status_code == 302 and f"t={anon_case.tracking_token}" in response["Location"]
    anon_case.refresh_from_db()
    assert anon_case.status == Status.CLOSED
    page = client.get(response["Location"]).content.decode()
    assert "诉求已办结归档" in page and 'data-testid="rate-form"' not in page


def test_signed_in_reporter_rates_without_a_token(client, tree, cats, staff, resident):
    case = reply_case(make_case(tree.building, category=cats["noise"], reporter=resident.person), staff)
    client.force_login(resident)
    assert rate(client, case, value="basic").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and Rating.objects.get().value == "basic"


def test_unsatisfied_needs_a_comment(client, staff, anon_case):
    reply_case(anon_case, staff)
    response = rate(client, anon_case, anon_case.tracking_token, value="unsatisfied", comment=" ")
    assert response.status_code == 400 and response.context["rate_form"].errors["comment"]
    anon_case.refresh_from_db()
    assert anon_case.status == Status.REPLIED and not Rating.objects.exists()


def test_bad_rating_value_is_a_field_error(client, staff, anon_case):
    reply_case(anon_case, staff)
    response = rate(client, anon_case, anon_case.tracking_token, value="great")
    assert response.status_code == 400 and response.context["rate_form"].errors["value"]


def test_first_unsatisfied_reopens_and_the_second_goes_to_supervision(client, staff, anon_case):
    token = anon_case.tracking_token
    reply_case(anon_case, staff)
    response = rate(client, anon_case, token, value="unsatisfied", comment="喇叭又装回来了")
    assert response.status_code == 302
    anon_case.refresh_from_db()
    assert anon_case.status == Status.ACCEPTED and anon_case.reopen_count == 1
    assert "重办" in client.get(response["Location"]).content.decode()
    # Once per round: the reopened case cannot be rated until it is replied again.
    assert rate(client, anon_case, token, value="satisfied").status_code == 400
    services.case_handle_self(actor=staff, case=anon_case)
    services.case_resolve(actor=staff, case=anon_case, result="再次约谈")
    services.case_reply(actor=staff, case=anon_case, channel=ReplyChannel.WRITTEN, text="已书面告知商户。")
    response = rate(client, anon_case, token, value="unsatisfied", comment="还是很吵")
    anon_case.refresh_from_db()
    assert anon_case.status == Status.SUPERVISED and anon_case.is_supervised
    assert "督办" in client.get(response["Location"]).content.decode()
    assert Rating.objects.filter(source_case=anon_case).count() == 2


def test_merged_reporter_follows_and_rates_the_surviving_case_once(client, tree, cats, staff):
    first = make_case(
        tree.building,
        category=cats["noise"],
        title="喇叭噪音 王13812345678",
        reporter_name="王建国",
        reporter_phone="13812345678",
    )
    dup = make_case(tree.building, category=cats["noise"], is_anonymous=True, title="楼下喇叭很吵")
    services.case_accept(actor=staff, case=dup)
    services.case_merge(actor=staff, case=dup, into=first)
    reply_case(first, staff, text="商户已整改。")
    token = dup.tracking_token
    html = client.get(track_url(dup, token)).content.decode()
    assert first.number in html and "商户已整改" in html and 'data-testid="rate-form"' in html
    assert "13812345678" not in html and "王建国" not in html
    assert rate(client, dup, token, value="satisfied").status_code == 302
    rating = Rating.objects.get()
    assert (rating.case, rating.source_case) == (first, dup)
    first.refresh_from_db()
    assert first.status == Status.REPLIED  # only the surviving case's own reporter moves its status
    second = rate(client, dup, token, value="basic")
    assert second.status_code == 400 and Rating.objects.count() == 1


# ---------------------------------------------------------------- my cases


def test_my_cases_lists_my_reports_newest_first(client, tree, cats, resident, staff):
    older = make_case(tree.building, category=cats["noise"], reporter=resident.person, title="旧的诉求")
    newer = make_case(tree.building, category=cats["parking"], reporter=resident.person, title="新的诉求")
    make_case(tree.building, category=cats["noise"], title="别人的诉求", reporter_phone="13855556666")
    client.force_login(resident)
    html = client.get(reverse("cases:mine")).content.decode()
    assert html.index(newer.number) < html.index(older.number)
    assert "别人的诉求" not in html and "13855556666" not in html


def test_my_cases_needs_login(client):
    response = client.get(reverse("cases:mine"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_cases_pages_by_keyset(client, tree, cats, resident):
    for i in range(32):
        make_case(tree.building, category=cats["noise"], reporter=resident.person, title=f"诉求{i:02d}")
    client.force_login(resident)
    first = client.get(reverse("cases:mine"))
    assert len(first.context["rows"]) == 30 and first.context["next_before"]
    second = client.get(reverse("cases:mine"), {"before": first.context["next_before"]})
    assert len(second.context["rows"]) == 2
    assert client.get(reverse("cases:mine"), {"before": "garbage"}).status_code == 200


def test_query_count_of_my_cases_does_not_grow_with_rows(
    client, tree, cats, resident, staff, django_assert_max_num_queries
):
    for i in range(3):
        make_case(tree.building, category=cats["noise"], reporter=resident.person, title=f"诉求{i}")
    merged = make_case(tree.building, category=cats["noise"], reporter=resident.person)
    target = make_case(tree.building, category=cats["noise"])
    services.case_merge(actor=staff, case=merged, into=target)
    client.force_login(resident)
    with django_assert_max_num_queries(6):
        client.get(reverse("cases:mine"))
    for i in range(10):
        make_case(tree.building, category=cats["parking"], reporter=resident.person, title=f"更多{i}")
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("cases:mine")).context["rows"]) == 14


def test_query_count_of_the_tracking_page(client, tree, cats, staff, django_assert_max_num_queries):
    first = make_case(tree.building, category=cats["noise"])
    dup = make_case(tree.building, category=cats["noise"], is_anonymous=True)
    services.case_merge(actor=staff, case=dup, into=first)
    reply_case(first, staff)
    with django_assert_max_num_queries(3):
        response = client.get(track_url(dup, dup.tracking_token))
    assert response.status_code == 200


def test_roles_do_not_open_someone_elses_tracking_page(client, tree, cats, anon_case):
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, tree.community, username="yuxi-2"))
    assert client.get(track_url(anon_case)).status_code == 404


def test_attachments_only_skip_the_permission_check_on_the_trusted_intake_path(tree, cats, anon_case):
    with pytest.raises(Http404):
        attachment_add(actor=None, obj=anon_case, uploaded_file=upload("a.png", PNG))
    attachment_add(actor=None, obj=anon_case, uploaded_file=upload("a.png", PNG), trusted=True)
    with pytest.raises(ValidationError):  # the file checks still run on the trusted path
        attachment_add(actor=None, obj=anon_case, uploaded_file=upload("a.png", TXT), trusted=True)
    assert Attachment.objects.count() == 1


def test_my_cases_cost_the_same_queries_for_n_and_3n_rows(
    client, tree, cats, resident, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            make_case(tree.building, category=cats["noise" if i % 2 else "parking"], reporter=resident.person)

    add(3)
    client.force_login(resident)
    client.get(reverse("cases:mine"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:mine"))
    add(6)
    with django_assert_num_queries(len(small)):
        assert len(client.get(reverse("cases:mine")).context["rows"]) == 9
