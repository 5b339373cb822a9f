import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import PersonFactory, UnitFactory, user_with_role
from yishi.notices import selectors
from yishi.notices.models import Notice, NoticeKind, NoticeStatus
from yishi.notices.services import mask_public_text, notice_publish, notice_withdraw

from .helpers import (
    ID_MASKED,
    NAME,
    NAME_MASKED,
    PHONE,
    PHONE_MASKED,
    SENSITIVE_BODY,
    assert_masked,
    ge_zhaozhong,
    publish,
    yesterday,
)

pytestmark = pytest.mark.django_db


def test_publish_stores_only_masked_text(tree, staff):
    person = ge_zhaozhong(tree.sibling)  # outside the board: named explicitly
    notice = publish(staff, tree.community, title=f"{NAME}的提议", body=SENSITIVE_BODY, people=[person])
    notice.refresh_from_db()
    assert notice.title == f"{NAME_MASKED}的提议"
    assert_masked(notice.body)
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.published_by == staff
    assert notice.publisher_label == "裕西社区"
    assert notice.scope_path == tree.community.path


def test_registered_people_of_the_area_are_masked_without_being_named(tree, staff):
    ge_zhaozhong(tree.building)
    notice = publish(staff, tree.community, body=SENSITIVE_BODY)
    assert_masked(notice.body)


def test_registered_people_masking_can_be_turned_off_for_public_rosters(tree, staff):
    ge_zhaozhong(tree.building)
    notice = publish(staff, tree.community, body=SENSITIVE_BODY, mask_registered_people=False)
    assert NAME in notice.body and PHONE_MASKED in notice.body and ID_MASKED in notice.body


def test_people_outside_the_board_are_not_guessed(tree, staff):
    ge_zhaozhong(tree.sibling)
    notice = publish(staff, tree.community, body=SENSITIVE_BODY)
    assert NAME in notice.body  # only named people, and registered people of the board's subtree


def test_longer_names_are_masked_first():
    people = [PersonFactory.build(name="欧阳娜"), PersonFactory.build(name="欧阳娜娜")]
    assert mask_public_text("欧阳娜娜和欧阳娜", people=people) == "欧**娜和欧*娜"


def test_source_record_provides_title_body_and_people(tree, staff):
    source = UnitFactory(area=tree.grid, name="古城巷物业")
    person = ge_zhaozhong(tree.sibling)
    source.notice_content = lambda: (f"{NAME}反映的问题已办结", f"联系电话{PHONE}")
    source.notice_people = lambda: [person]
    notice = notice_publish(actor=staff, area=tree.community, source=source, kind=NoticeKind.CASE_RESULT)
    assert notice.title == f"{NAME_MASKED}反映的问题已办结"
    assert notice.body == f"联系电话{PHONE_MASKED}"
    assert notice.source == source
    assert notice.kind == NoticeKind.CASE_RESULT


def test_source_out_of_scope_is_a_field_error(tree, staff):
    source = UnitFactory(area=tree.sibling)
    source.notice_content = lambda: ("标题", "正文")
    with pytest.raises(ValidationError) as exc:
        notice_publish(actor=staff, area=tree.community, source=source)
    assert "source" in exc.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"kind": "gossip"}, "kind"),
        ({"expires_on": datetime.date(2020, 1, 1)}, "expires_on"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(tree, staff, changes, field):
    kwargs = {"title": "标题", "body": "正文", **changes}
    with pytest.raises(ValidationError) as exc:
        notice_publish(actor=staff, area=tree.community, **kwargs)
    assert field in exc.value.message_dict
    assert not Notice.objects.exists()
    assert not AuditEvent.objects.filter(verb="notice.publish").exists()


def test_expiry_today_is_accepted(tree, staff):
    assert publish(staff, tree.community, expires_on=timezone.localdate()).is_public()


def test_sibling_community_staff_cannot_publish_here(tree):
    sibling_staff = user_with_role("community_staff", tree.sibling)
    with pytest.raises(Http404):
        publish(sibling_staff, tree.community)


def test_street_staff_publishes_in_its_subtree(tree):
    street_staff = user_with_role("street_staff", tree.street)
    assert publish(street_staff, tree.sibling).publisher_label == "金星镇"


@pytest.mark.parametrize("role", ["resident", "grid_worker", "deputy", "department_staff"])
def test_roles_without_change_notice_cannot_publish(tree, role):
    user = user_with_role(role, tree.community, unit=tree.hospital if role == "department_staff" else None)
    with pytest.raises(PermissionDenied):
        publish(user, tree.community)


def test_publish_and_withdraw_are_audited(tree, staff):
    notice = publish(staff, tree.community, body=SENSITIVE_BODY)
    notice_withdraw(actor=staff, notice=notice, reason="内容有误，重新发布")
    events = list(
        AuditEvent.objects.filter(object_id=str(notice.pk), verb__startswith="notice.").order_by("seq")
    )
    assert [e.verb for e in events] == ["notice.publish", "notice.withdraw"]
    assert events[1].after["reason"] == "内容有误，重新发布"
    assert PHONE not in str(events[0].after)


def test_withdraw_needs_a_reason(tree, staff):
    notice = publish(staff, tree.community)
    with pytest.raises(ValidationError) as exc:
        notice_withdraw(actor=staff, notice=notice, reason="   ")
    assert "reason" in exc.value.message_dict
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED


def test_withdraw_twice_is_refused(tree, staff):
    notice = publish(staff, tree.community)
    notice_withdraw(actor=staff, notice=notice, reason="过期")
    with pytest.raises(ValidationError) as exc:
        notice_withdraw(actor=staff, notice=notice, reason="再撤一次")
    assert "status" in exc.value.message_dict


def test_sibling_staff_cannot_withdraw(tree, staff):
    notice = publish(staff, tree.community)
    with pytest.raises(Http404):
        notice_withdraw(
            actor=user_with_role("community_staff", tree.sibling), notice=notice, reason="不是我的"
        )


def test_withdrawn_and_expired_notices_are_not_public_but_stay_in_the_staff_list(tree, staff):
    live = publish(staff, tree.community, title="公示中")
    withdrawn = publish(staff, tree.grid, title="已撤回")
    notice_withdraw(actor=staff, notice=withdrawn, reason="重复发布")
    expired = publish(staff, tree.community, title="已过期")
    Notice.objects.filter(pk=expired.pk).update(expires_on=yesterday())
    assert list(selectors.public_notices(area=tree.community)) == [live]
    assert selectors.public_notice_list() == [live]
    assert set(selectors.staff_notices(user=staff)) == {live, withdrawn, expired}
    with pytest.raises(Http404):
        selectors.public_notice_get(pk=withdrawn.pk)
    with pytest.raises(Http404):
        selectors.public_notice_get(pk=expired.pk)


def test_board_shows_the_subtree_only(tree, staff):
    on_grid = publish(staff, tree.building)
    elsewhere = publish(user_with_role("community_staff", tree.sibling), tree.sibling)
    assert list(selectors.public_notices(area=tree.community)) == [on_grid]
    assert set(selectors.public_notices(area=tree.street)) == {on_grid, elsewhere}


def test_boards_with_notices_count_and_preview(tree, staff):
    for i in range(5):
        publish(staff, tree.community, title=f"公示{i}")
    hidden = publish(staff, tree.grid)
    notice_withdraw(actor=staff, notice=hidden, reason="撤回")
    boards = selectors.boards_with_notices()
    assert [b.name for b in boards] == ["裕西社区"]
    assert boards[0].notice_count == 5
    assert [n.title for n in boards[0].latest] == ["公示4", "公示3", "公示2"]
    assert boards[0].group == "金星镇"


def test_opinion_box_office_is_the_nearest_office(tree):
    assert selectors.opinion_box_office(area=tree.building) is None
    UnitFactory(area=tree.street, name="金星镇人民政府", kind="street_office", phone="0953-2000000")
    office = UnitFactory(
        area=tree.community, name="裕西社区居委会", kind="residents_committee", phone="0953-2011111"
    )
    assert selectors.opinion_box_office(area=tree.building) == office
    assert selectors.opinion_box_office(area=tree.sibling).name == "金星镇人民政府"
