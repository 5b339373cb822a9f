import pytest
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from yishi.attachments.models import Attachment
from yishi.attachments.selectors import attachments_for
from yishi.attachments.services import attachment_add
from yishi.core.tests.factories import user_with_role

from .files import PDF, PNG, TXT, upload


def form_data(obj, file):
    return {"content_type": ContentType.objects.get_for_model(obj).pk, "object_id": obj.pk, "file": file}


@pytest.fixture
def pdf(tree, staff):
    return attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("会议纪要.pdf", PDF))


def test_download_in_scope(client, staff, pdf):
    client.force_login(staff)
    response = client.get(reverse("attachments:download", args=[pdf.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_images_are_shown_inline(client, tree, staff):
    png = attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("p.png", PNG))
    client.force_login(staff)
    response = client.get(reverse("attachments:download", args=[png.pk]))
    assert response["Content-Disposition"].startswith("inline;")


@pytest.mark.parametrize("role, where", [("community_staff", "sibling"), ("resident", "community")])
def test_download_out_of_scope_is_404(client, tree, pdf, role, where):
    client.force_login(user_with_role(role, getattr(tree, where), username="outsider"))
    assert client.get(reverse("attachments:download", args=[pdf.pk])).status_code == 404
    assert client.get(reverse("attachments:download", args=[pdf.pk + 1000])).status_code == 404


def test_download_needs_login(client, pdf):
    assert client.get(reverse("attachments:download", args=[pdf.pk])).status_code == 302


def test_upload_redirects_back(client, tree, staff):
    client.force_login(staff)
    response = client.post(
        reverse("attachments:upload"), {**form_data(tree.hospital, upload("n.txt", TXT)), "next": "/areas/"}
    )
    assert response.status_code == 302 and response["Location"] == "/areas/"
    assert Attachment.objects.get().original_name == "n.txt"


def test_upload_htmx_returns_panel(client, tree, staff):
    client.force_login(staff)
    response = client.post(
        reverse("attachments:upload"),
        form_data(tree.hospital, upload("现场.png", PNG)),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text and "现场.png" in text and 'data-testid="attachment-upload"' in text


@pytest.mark.parametrize(
    "file, message",
    [
        (upload("evil.jpg", b"MZ\x90\x00 not an image"), "文件内容与扩展名"),
        (upload("run.exe", b"MZ\x90\x00"), "不支持此文件类型"),
        (upload("empty.pdf", b""), "文件是空的"),
        (None, "请选择要上传的文件"),
    ],
)
def test_bad_upload_is_400_with_field_error_and_nothing_saved(client, tree, staff, file, message):
    client.force_login(staff)
    data = form_data(tree.hospital, file)
    if file is None:
        del data["file"]
    response = client.post(reverse("attachments:upload"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="attachment-error"' in text and message in text
    assert Attachment.objects.count() == 0


def test_upload_to_record_out_of_scope_or_unknown_is_404(client, tree):
    client.force_login(user_with_role("community_staff", tree.sibling, username="jinhua"))
    assert (
        client.post(reverse("attachments:upload"), form_data(tree.hospital, upload("a.pdf", PDF))).status_code
        == 404
    )
    bad = {**form_data(tree.hospital, upload("a.pdf", PDF)), "object_id": "999999"}
    assert client.post(reverse("attachments:upload"), bad).status_code == 404
    bad = {**form_data(tree.hospital, upload("a.pdf", PDF)), "content_type": "999999"}
    assert client.post(reverse("attachments:upload"), bad).status_code == 404
    bad = {**form_data(tree.hospital, upload("a.pdf", PDF)), "content_type": "x"}
    assert client.post(reverse("attachments:upload"), bad).status_code == 404
    assert Attachment.objects.count() == 0


def test_remove_view(client, staff, pdf):
    client.force_login(staff)
    response = client.post(reverse("attachments:remove", args=[pdf.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not Attachment.objects.exists()


def test_attachments_for_is_scoped(tree, staff, pdf):
    outsider = user_with_role("community_staff", tree.sibling, username="jinhua")
    assert list(attachments_for(tree.hospital)) == [pdf]
    assert list(attachments_for(tree.hospital, user=staff)) == [pdf]
    assert list(attachments_for(tree.hospital, user=outsider)) == []


def test_panel_include_lists_files_and_offers_upload_only_to_who_may(tree, staff, pdf):
    template = Template('{% include "attachments/panel.html" with obj=obj %}')
    request = RequestFactory().get("/x/")
    deputy = user_with_role("deputy", tree.community, username="deputy")
    for user, may_upload in ((staff, True), (deputy, False)):
        request.user = user
        html = template.render(Context({"obj": tree.hospital, "user": user, "request": request}))
        assert "会议纪要.pdf" in html
        assert ('data-testid="attachment-upload"' in html) is may_upload
