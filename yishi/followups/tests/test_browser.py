"""Browser journey: staff report progress with evidence until done; a resident signs up as a volunteer."""

import datetime as dt

import pytest
from django.utils import timezone

from yishi.core.tests.factories import user_with_role
from yishi.followups import services
from yishi.followups.models import FollowUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "yishi-demo")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()


def test_progress_with_evidence_and_volunteer(page, live_server, tree, staff, tmp_path):
    item = services.followup_create(
        actor=staff,
        area=tree.community,
        title="拆除煤房子",
        owner_unit=tree.hospital,
        deadline=timezone.localdate() + dt.timedelta(days=20),
        measure="个",
        target_value=33,
    )
    user_with_role("resident", tree.community, username="volunteer-li")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)

    login(page, live_server, "yuxi-staff")
    page.goto(f"{live_server.url}/followups/{item.pk}/")
    form = page.get_by_test_id("report-form")
    form.locator("input[name=progress]").fill("100")
    form.locator("input[name=actual_value]").fill("33")
    form.locator("textarea[name=note]").fill("33个楼道煤房子全部拆除")
    form.locator("input[name=files]").set_input_files(str(photo))
    page.get_by_test_id("report-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("followup-status").inner_text() == "已完成"
    assert "33个 / 33个" in page.get_by_test_id("target-actual").inner_text()
    assert page.get_by_test_id("evidence").inner_text() == "现场.png"

    item2 = services.followup_create(
        actor=staff,
        area=tree.community,
        title="新建阳光停车棚",
        owner_unit=tree.hospital,
        deadline=timezone.localdate() + dt.timedelta(days=20),
    )
    page.context.clear_cookies()
    login(page, live_server, "volunteer-li")
    page.goto(f"{live_server.url}/followups/{item2.pk}/")
    page.get_by_test_id("volunteer-form").locator("input[name=note]").fill("周末可以")
    page.get_by_test_id("volunteer-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("volunteered").is_visible()
    assert page.get_by_test_id("volunteer-count").inner_text() == "1"
    assert FollowUp.objects.get(pk=item2.pk).volunteers.count() == 1
