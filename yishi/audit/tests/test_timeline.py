"""The record timeline: selector order and limit, verb labels, compact before → after, masking."""

import pytest
from django.template.loader import render_to_string

from yishi.accounts.services import person_create
from yishi.areas.services import area_update
from yishi.audit.labels import VERB_LABELS, verb_label
from yishi.audit.selectors import timeline_for
from yishi.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_timeline_for_returns_only_that_record_oldest_first(tree, admin_user):
    area_update(actor=admin_user, area=tree.grid, name="裕西第一网格")
    area_update(actor=admin_user, area=tree.grid, address="古城巷")
    events = timeline_for(tree.grid)
    assert [e.verb for e in events] == ["area.create", "area.update", "area.update"]
    assert all(e.object_id == str(tree.grid.pk) for e in events)


def test_timeline_for_keeps_the_latest_events_when_limited(tree, admin_user):
    for n in range(4):
        area_update(actor=admin_user, area=tree.grid, address=f"地址{n}")
    events = timeline_for(tree.grid, limit=2)
    assert [e.after["address"] for e in events] == ["地址2", "地址3"]


def test_timeline_renders_labels_actor_and_changes(tree, admin_user):
    area_update(actor=admin_user, area=tree.grid, name="裕西第一网格")
    html = render_to_string("audit/timeline.html", {"events": timeline_for(tree.grid)})
    assert '<ol class="timeline"' in html
    assert "创建区域" in html and "修改区域" in html
    assert str(admin_user) in html and "系统" in html
    assert "第一网格 → 裕西第一网格" in html
    # Only the changed field of the update is listed, not the unchanged level.
    update_part = html.split("修改区域")[1]
    assert "<code>level</code>" not in update_part


def test_timeline_shows_unknown_verbs_raw(tree):
    audit_record(actor=None, obj=tree.grid, verb="grid.redraw", before={"a": 1}, after={"a": 2})
    html = render_to_string("audit/timeline.html", {"events": timeline_for(tree.grid)})
    assert "grid.redraw" in html and "1 → 2" in html


def test_timeline_masks_phone_numbers(tree, staff):
    person = person_create(actor=staff, home_area=tree.community, name="马秀兰", phone="13912345678")
    html = render_to_string("audit/timeline.html", {"events": timeline_for(person)})
    assert "登记人员" in html
    assert "139****5678" in html and "13912345678" not in html


def test_timeline_is_empty_friendly():
    html = render_to_string("audit/timeline.html", {"events": []})
    assert "暂无记录" in html


def test_verb_labels_cover_the_shared_verbs():
    for verb in [
        "area.create",
        "area.update",
        "unit.create",
        "unit.update",
        "person.create",
        "person.update",
        "role.grant",
        "role.revoke",
        "account.create",
        "notice.publish",
        "notice.withdraw",
        "attachment.add",
    ]:
        assert verb in VERB_LABELS
    assert verb_label("area.create") == "创建区域"
    assert verb_label("no.such") == "no.such"
