"""What may be uploaded: the extension and the file's first bytes must name the same allowed type."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class FileType:
    mime: str
    kind: str  # the family the magic bytes identify


TYPES: dict[str, FileType] = {
    "jpg": FileType("image/jpeg", "jpeg"),
    "jpeg": FileType("image/jpeg", "jpeg"),
    "png": FileType("image/png", "png"),
    "webp": FileType("image/webp", "webp"),
    "gif": FileType("image/gif", "gif"),
    "pdf": FileType("application/pdf", "pdf"),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "doc": FileType("application/msword", "ole2"),
    "xls": FileType("application/vnd.ms-excel", "ole2"),
    "txt": FileType("text/plain; charset=utf-8", "text"),
}

ALLOWED_EXTENSIONS = ("jpg", "png", "webp", "gif", "pdf", "docx", "xlsx", "doc", "xls", "txt")


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the end of the sample is still text.
            if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
                return True
    return False


def _zip_kind(file) -> str | None:
    """'docx' or 'xlsx' by the OOXML part the archive holds; None for any other ZIP or a broken one."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def sniff(file) -> str | None:
    """The family the file's content belongs to ('jpeg', 'png', … 'text'), or None when unknown."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE2):
        return "ole2"
    if head.startswith(ZIP):
        return _zip_kind(file)
    if _looks_like_text(head):
        return "text"
    return None
