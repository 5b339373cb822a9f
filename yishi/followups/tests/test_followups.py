"""Follow-ups: owner and deadline rules, working days, rollup, done at 100 %, cancel, volunteers, supervision,
the status × action walk, scope 404s, pages, query counts, API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from yishi.attachments.models import Attachment
from yishi.core.tests.factories import user_with_role
from yishi.followups import services
from yishi.followups.models import FollowUp, FollowUpStatus, Volunteer
from yishi.followups.workflow import TRANSITIONS, FollowUpAction
from yishi.notifications.models import Notification

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make(actor, area, **kw):
    kw.setdefault("title", "拆除煤房子")
    kw.setdefault("owner_unit", None)
    if kw["owner_unit"] is None and "owner_person" not in kw:
        kw["owner_person"] = actor.person
    kw.setdefault("deadline", timezone.localdate() + dt.timedelta(days=30))
    return services.followup_create(actor=actor, area=area, **kw)


def test_owner_required_and_deadline_rules(tree, staff):
    with pytest.raises(ValidationError) as exc:
        services.followup_create(actor=staff, area=tree.community, title="x", deadline=timezone.localdate())
    assert "owner_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.followup_create(actor=staff, area=tree.community, title="x", owner_unit=tree.hospital)
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(staff, tree.community, started_on=dt.date(2025, 3, 10), deadline=dt.date(2025, 3, 1))
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(staff, tree.community, target_value=Decimal("200"))
    assert "measure" in exc.value.message_dict
    assert not FollowUp.objects.exists()


def test_deadline_in_working_days_across_a_holiday(tree, staff):
    # 2024-09-30 (Mon) + 3 working days: 10-01..10-07 National Day, 10-08 is the first working day after.
    item = make(staff, tree.community, started_on=dt.date(2024, 9, 30), deadline=None, working_days=3)
    assert item.deadline == dt.date(2024, 10, 10)


def test_out_of_scope_is_404(tree, staff):
    with pytest.raises(Http404):
        make(staff, tree.sibling)
    item = make(staff, tree.community)
    outsider = user_with_role("community_staff", tree.sibling)
    with pytest.raises(Http404):
        services.followup_report(actor=outsider, followup=item, progress=10, note="x")
    with pytest.raises(Http404):
        services.followup_cancel(actor=outsider, followup=item, reason="x")


def test_report_starts_then_100_percent_is_done(tree, staff):
    item = make(staff, tree.community, measure="㎡", target_value=Decimal("200"))
    services.followup_report(
        actor=staff, followup=item, progress=40, note="已拆除10个楼道", actual_value=Decimal("60")
    )
    item.refresh_from_db()
    assert item.status == FollowUpStatus.IN_PROGRESS and item.actual_value == Decimal("60")
    services.followup_report(
        actor=staff, followup=item, progress=100, note="全部拆除", actual_value=Decimal("200")
    )
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.done_at is not None
    with pytest.raises(ValidationError) as exc:
        services.followup_report(actor=staff, followup=item, progress=100, note="again")
    assert "status" in exc.value.message_dict


def test_report_input_errors_and_nothing_half_saved(tree, staff):
    item = make(staff, tree.community)
    bad = SimpleUploadedFile("a.exe", b"MZ" + b"\x00" * 20)
    with pytest.raises(ValidationError) as exc:
        services.followup_report(actor=staff, followup=item, progress=130, note="", files=[bad])
    assert {"progress", "note", "files"} <= set(exc.value.message_dict)
    assert not item.updates.exists() and not Attachment.objects.exists()


def test_evidence_files_attach_to_the_update(tree, staff):
    item = make(staff, tree.community)
    update = services.followup_report(
        actor=staff, followup=item, progress=50, note="现场照片", files=[SimpleUploadedFile("p.png", PNG)]
    )
    assert Attachment.objects.get().object_id == str(update.pk)


def test_owner_may_report_others_may_not(tree, staff):
    dept = user_with_role("department_staff", tree.street, unit=tree.hospital)
    item = make(staff, tree.community, owner_unit=tree.hospital)
    services.followup_report(actor=dept, followup=item, progress=10, note="已开工")
    other = user_with_role("resident", tree.community)
    with pytest.raises(Exception) as exc:
        services.followup_report(actor=other, followup=item, progress=20, note="x")
    assert exc.type.__name__ in {"PermissionDenied", "Http404"}


def test_parent_progress_rolls_up_from_children(tree, staff):
    parent = make(staff, tree.community, title="旧小区改造")
    a = make(staff, tree.community, parent=parent, title="拆煤房子")
    b = make(staff, tree.community, parent=parent, title="铺柏油路")
    assert a.subject_id == parent.subject_id
    services.followup_report(actor=staff, followup=a, progress=100, note="完成")
    parent.refresh_from_db()
    assert (parent.progress, parent.status) == (50, FollowUpStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.followup_report(actor=staff, followup=parent, progress=80, note="x")
    assert "progress" in exc.value.message_dict
    services.followup_report(actor=staff, followup=b, progress=30, note="进行中")
    parent.refresh_from_db()
    assert parent.progress == 65
    services.followup_cancel(actor=staff, followup=b, reason="并入其他项目")
    parent.refresh_from_db()
    assert (parent.progress, parent.status) == (100, FollowUpStatus.DONE)
    with pytest.raises(ValidationError) as exc:
        make(staff, tree.community, parent=parent)
    assert "parent" in exc.value.message_dict


def test_cancel_needs_reason_and_cascades(tree, staff):
    parent = make(staff, tree.community)
    child = make(staff, tree.community, parent=parent)
    with pytest.raises(ValidationError) as exc:
        services.followup_cancel(actor=staff, followup=parent, reason=" ")
    assert "reason" in exc.value.message_dict
    services.followup_cancel(actor=staff, followup=parent, reason="规划调整")
    child.refresh_from_db()
    parent.refresh_from_db()
    assert child.status == parent.status == FollowUpStatus.CANCELLED and parent.cancel_reason == "规划调整"


@pytest.mark.parametrize("status", FollowUpStatus.values)
@pytest.mark.parametrize("action", FollowUpAction.values)
def test_walk_status_by_action(tree, staff, status, action):
    item = make(staff, tree.community)
    FollowUp.objects.filter(pk=item.pk).update(status=status)
    item.refresh_from_db()
    expected = TRANSITIONS.get((status, action))
    try:
        if action == FollowUpAction.REPORT:
            services.followup_report(actor=staff, followup=item, progress=50, note="进展")
        else:
            services.followup_cancel(actor=staff, followup=item, reason="原因")
    except ValidationError as exc:
        assert expected is None and "status" in exc.message_dict
        item.refresh_from_db()
        assert item.status == status
    else:
        item.refresh_from_db()
        assert expected is not None and item.status in expected


def test_volunteer_once_and_only_open_items(tree, staff):
    resident = user_with_role("resident", tree.community)
    item = make(staff, tree.community)
    services.volunteer_signup(actor=resident, followup=item, note="周末")
    with pytest.raises(ValidationError) as exc:
        services.volunteer_signup(actor=resident, followup=item)
    assert "followup" in exc.value.message_dict
    assert Volunteer.objects.count() == 1
    services.followup_cancel(actor=staff, followup=item, reason="x")
    with pytest.raises(ValidationError):
        services.volunteer_signup(actor=user_with_role("resident", tree.community), followup=item)
    with pytest.raises(Http404):
        services.volunteer_signup(
            actor=user_with_role("resident", tree.sibling), followup=make(staff, tree.community)
        )


def test_overdue_supervision_is_idempotent(tree, staff, django_capture_on_commit_callbacks):
    auditor = user_with_role("auditor", tree.street)
    item = make(staff, tree.community, started_on=dt.date(2024, 1, 2), deadline=dt.date(2024, 1, 10))
    make(staff, tree.community)  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervise_overdue_followups() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervise_overdue_followups() == 0
    item.refresh_from_db()
    assert item.supervised_at is not None and item.is_overdue
    assert Notification.objects.filter(recipient=auditor, verb="followup.overdue").count() == 1
    from yishi.followups.tasks import supervise_overdue_followups

    assert supervise_overdue_followups(timezone.now().isoformat()) == 0


def test_schedule_exists():
    from django_q.models import Schedule

    assert Schedule.objects.filter(name="followups.supervise_overdue_followups", minutes=10).exists()


def _ct(obj):
    return ContentType.objects.get_for_model(obj).pk


def test_pages_list_detail_forms_and_404(client, tree, staff, django_assert_max_num_queries):
    for i in range(3):
        make(staff, tree.community, title=f"事项{i}")
    late = make(
        staff, tree.community, title="超期事项", started_on=dt.date(2024, 1, 2), deadline=dt.date(2024, 1, 10)
    )
    client.force_login(staff)
    client.get(reverse("followups:list"))
    with django_assert_max_num_queries(12):
        r = client.get(reverse("followups:list"))
    assert r.status_code == 200 and r.content.decode().count('data-testid="followup-row"') == 4
    r = client.get(reverse("followups:list"), {"overdue": "1"})
    assert r.content.decode().count('data-testid="followup-row"') == 1 and "超期事项" in r.content.decode()
    r = client.get(reverse("followups:detail", args=[late.pk]))
    assert r.status_code == 200 and 'data-testid="overdue"' in r.content.decode()
    r = client.post(reverse("followups:report", args=[late.pk]), {"progress": "abc", "note": ""})
    assert r.status_code == 400 and "请填写0到100之间的进度" in r.content.decode()
    r = client.post(
        reverse("followups:report", args=[late.pk]),
        {"progress": "100", "note": "完成", "files": [SimpleUploadedFile("p.png", PNG)]},
    )
    assert r.status_code == 302
    r = client.get(reverse("followups:detail", args=[late.pk]))
    assert 'data-testid="evidence"' in r.content.decode()
    r = client.post(reverse("followups:cancel", args=[late.pk]), {"reason": "x"})
    assert r.status_code == 400
    r = client.post(
        reverse("followups:create"), {"parent": FollowUp.objects.exclude(pk=late.pk).first().pk, "title": ""}
    )
    assert r.status_code == 400 and "请指定责任单位或责任人" in r.content.decode()
    client.force_login(user_with_role("community_staff", tree.sibling))
    assert client.get(reverse("followups:detail", args=[late.pk])).status_code == 404
    assert client.post(reverse("followups:report", args=[late.pk]), {}).status_code == 404


def test_panel_create_and_query_count(client, tree, staff, django_assert_max_num_queries):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    data = {"content_type": _ct(tree.community), "object_id": tree.community.pk, "next": "/back/"}
    client.force_login(staff)
    r = client.post(reverse("followups:create"), {**data, "title": "拆除土车库"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "请指定责任单位或责任人" in r.content.decode()
    r = client.post(
        reverse("followups:create"),
        {
            **data,
            "title": "拆除土车库",
            "owner_unit": tree.hospital.pk,
            "working_days": "10",
            "measure": "个",
            "target_value": "3",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/back/"
    root = FollowUp.objects.get()
    assert root.subject == tree.community and root.target_value == 3
    for i in range(4):
        make(staff, tree.community, parent=root, title=f"子项{i}")
    tpl = Template('{% include "followups/panel.html" with subject=subject %}')
    request = RequestFactory().get("/x/")
    request.user = staff
    with django_assert_max_num_queries(8):
        html = tpl.render(RequestContext(request, {"subject": tree.community, "user": staff}))
    assert html.count('data-testid="followup"') == 5 and "3个" in html


def test_resident_volunteers_from_the_page(client, tree, staff):
    item = make(staff, tree.community)
    resident = user_with_role("resident", tree.community)
    client.force_login(resident)
    r = client.get(reverse("followups:detail", args=[item.pk]))
    assert (
        'data-testid="volunteer-form"' in r.content.decode()
        and 'data-testid="report-form"' not in r.content.decode()
    )
    assert client.post(reverse("followups:volunteer", args=[item.pk]), {"note": "周六"}).status_code == 302
    r = client.post(reverse("followups:volunteer", args=[item.pk]), {})
    assert r.status_code == 400 and "您已经报名了这个事项" in r.content.decode()


def test_api(client, tree, staff):
    client.force_login(staff)
    url = reverse("followup-list")
    body = {
        "content_type": _ct(tree.community),
        "object_id": str(tree.community.pk),
        "title": "铺设柏油马路",
        "owner_unit": tree.hospital.pk,
        "deadline": "2030-01-01",
        "measure": "㎡",
        "target_value": "7128",
    }
    r = client.post(url, {**body, "owner_unit": None}, content_type="application/json")
    assert r.status_code == 400 and "owner_unit" in r.json()
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.post(
        reverse("followup-report", args=[pk]),
        {"progress": 100, "note": "完工", "actual_value": "7128"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert (
        client.post(
            reverse("followup-cancel", args=[pk]), {"reason": "x"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert len(client.get(url).json()["results"]) == 1
    resident = user_with_role("resident", tree.community)
    client.force_login(resident)
    assert (
        client.post(reverse("followup-volunteer", args=[pk]), {}, content_type="application/json").status_code
        == 400
    )
    client.force_login(user_with_role("community_staff", tree.sibling))
    assert client.get(reverse("followup-detail", args=[pk])).status_code == 404
    assert client.get(url).json()["results"] == []
