import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yishi.attachments.models import Attachment
from yishi.attachments.services import attachment_add, attachment_remove
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import user_with_role

from .files import DOCX, JPEG, PDF, PNG, TXT, VALID, XLSX, upload


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_allowed_type_is_accepted(tree, staff, name):
    attachment = attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload(name, VALID[name]))
    assert attachment.original_name == name
    assert attachment.size == len(VALID[name])
    assert attachment.sha256 == hashlib.sha256(VALID[name]).hexdigest()
    assert attachment.area_path == tree.community.path
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith("." + name.rsplit(".", 1)[1])
    with attachment.file.open("rb") as f:
        assert f.read() == VALID[name]


def test_stored_fields_and_audit(tree, staff):
    a = attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("裂缝.png", PNG, "text/html"))
    assert a.mime_type == "image/png"  # what yishi checked, not what the client claimed
    assert a.uploaded_by == staff
    assert a.record == tree.hospital
    event = AuditEvent.objects.get(verb="attachment.add")
    assert event.object_id == str(tree.hospital.pk)
    assert event.after["sha256"] == a.sha256


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.jpg", PNG),  # content of another allowed type
        ("photo.png", b"<script>alert(1)</script>"),
        ("report.pdf", b"<html><body>not a pdf</body></html>"),
        ("minutes.docx", XLSX),  # a spreadsheet renamed
        ("ledger.xlsx", b"PK\x03\x04 broken zip"),
        ("note.txt", b"\x00\x01\x02binary\x00"),
        ("photo.jpeg", PDF),
    ],
)
def test_extension_and_content_must_agree(tree, staff, name, content):
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload(name, content))
    assert list(exc.value.message_dict) == ["file"]
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize("name", ["run.exe", "page.html", "noextension", "photo.svg", "archive.zip"])
def test_other_types_are_refused(tree, staff, name):
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload(name, TXT))
    assert "不支持此文件类型" in exc.value.message_dict["file"][0]


def test_empty_file_is_refused(tree, staff):
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("empty.txt", b""))
    assert exc.value.message_dict["file"] == ["文件是空的。"]


def test_size_limit(tree, staff, settings):
    settings.YISHI_ATTACHMENT_MAX_BYTES = 1000
    attachment_add(
        actor=staff, obj=tree.hospital, uploaded_file=upload("ok.pdf", PDF + b" " * (1000 - len(PDF)))
    )
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("big.pdf", PDF + b" " * 1000))
    assert "文件太大" in exc.value.message_dict["file"][0]
    assert Attachment.objects.count() == 1


def test_out_of_scope_is_404_and_read_only_roles_are_refused(tree):
    sibling_staff = user_with_role("community_staff", tree.sibling, username="jinhua")
    resident = user_with_role("resident", tree.community, username="resident")
    auditor = user_with_role("auditor", tree.street, username="auditor")
    for actor in (sibling_staff, resident):
        with pytest.raises(Http404):
            attachment_add(actor=actor, obj=tree.hospital, uploaded_file=upload("a.docx", DOCX))
    with pytest.raises(PermissionDenied):
        attachment_add(actor=auditor, obj=tree.hospital, uploaded_file=upload("a.docx", DOCX))
    assert Attachment.objects.count() == 0


def test_grid_worker_may_attach_to_records_in_the_grid(tree):
    worker = user_with_role("grid_worker", tree.grid, username="grid")
    attachment_add(actor=worker, obj=tree.building, uploaded_file=upload("crack.jpg", JPEG))
    with pytest.raises(Http404):
        attachment_add(actor=worker, obj=tree.hospital, uploaded_file=upload("crack.jpg", JPEG))


def test_remove_deletes_row_then_file_after_commit(tree, staff, django_capture_on_commit_callbacks):
    a = attachment_add(actor=staff, obj=tree.hospital, uploaded_file=upload("x.pdf", PDF))
    storage, name = a.file.storage, a.file.name
    sibling_staff = user_with_role("community_staff", tree.sibling, username="jinhua")
    with pytest.raises(Http404):
        attachment_remove(actor=sibling_staff, attachment=a)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=staff, attachment=a)
    assert not Attachment.objects.filter(pk=a.pk).exists()
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(verb="attachment.remove", object_id=str(tree.hospital.pk)).exists()
