"""The one masking helper for everything shown in public or to someone who does not need the detail.

- names: 戈兆忠 → 戈*忠, 白玫 → 白*, 欧阳娜娜 → 欧**娜; Latin names keep their first letter.
- phones: 13812341234 → 138****1234; landlines keep the area code and the last four digits.
- ID numbers: 640302199001011234 → 640302********1234.
- ``mask_text`` masks phone and ID numbers found inside free text (a notice body, a reply).
"""

import re

_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9Xx])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9Xx])")


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 4 if len(digits) > 8 else 2
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    value = (id_number or "").strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_public_text(text: str, *, names=()) -> str:
    """What may be shown in public: ``mask_text`` plus each of ``names`` (full names of the people concerned)
    replaced by its masked form, longer names first so 欧阳娜娜 is not half-masked by a shorter name inside it."""
    text = mask_text(text)
    for name in sorted(
        {(n or "").strip() for n in names if len((n or "").strip()) >= 2}, key=len, reverse=True
    ):
        text = text.replace(name, mask_name(name))
    return text


def mask_text(text: str) -> str:
    """Mask mobile numbers and resident ID numbers that appear anywhere inside ``text``."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text or "")
    return _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
