"""Writes to the notice board: the one publishing interface, and withdrawing.

Every process publishes through ``notice_publish`` — a case's reply, a council topic, a roster — so that
one function masks what goes public and records who published what.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.accounts.models import Person
from yishi.areas.models import Area, subtree_q
from yishi.audit.services import audit_record
from yishi.core import masking, permissions
from yishi.core.services import require, snapshot

from .models import Notice, NoticeKind, NoticeStatus

NOTICE_FIELDS = [
    "area",
    "title",
    "body",
    "kind",
    "source_type",
    "source_id",
    "publisher_label",
    "expires_on",
    "status",
]
TITLE_MAX = 200


def people_named_in(text: str, *, area: Area) -> list[Person]:
    """Registered people of ``area``'s subtree whose full name appears in ``text`` (one query).

    The database checks ``text LIKE '%' || name || '%'``, so no name list is loaded into Python.
    """
    if not text:
        return []
    return list(
        Person.objects.filter(subtree_q(area.path, "home_area__path"))
        .annotate(_text=Value(text, output_field=CharField()), _len=Length("name"))
        .filter(_len__gte=2, _text__contains=F("name"))
        .only("pk", "name")
    )


def mask_public_text(text: str, *, people: Iterable[Person] = ()) -> str:
    """What may be shown in public: phones and ID numbers masked, each given person's full name masked.

    Longer names are replaced first, so 欧阳娜娜 is not half-masked by a shorter name inside it.
    """
    return masking.mask_public_text(text or "", names=[p.name for p in people])


def publisher_label_for(actor, area: Area) -> str:
    """The unit that signs a notice: the actor's grant nearest to ``area`` (its unit, else its area)."""
    covering = [
        g
        for g in permissions.active_grants(actor)
        if permissions.CHANGE_NOTICE in permissions.ROLE_PERMISSIONS[g.role]
        and area.path.startswith(g.area.path)
    ]
    if not covering:
        return area.name
    grant = max(covering, key=lambda g: len(g.area.path))
    return grant.unit.name if grant.unit_id else grant.area.name


@transaction.atomic
def notice_publish(
    *,
    actor,
    area: Area,
    title: str = "",
    body: str = "",
    source=None,
    kind: str = NoticeKind.GENERAL,
    people: Iterable[Person] = (),
    expires_on=None,
    mask_registered_people: bool = True,
) -> Notice:
    """Publish a notice on ``area``'s board. The actor needs ``notices.change_notice`` on the area.

    With a ``source`` record and no title/body, ``source.notice_content()`` gives ``(title, body)``; a source
    must lie in the actor's scope too, and may name the people concerned with ``notice_people()``.
    The stored title and body are masked: phones, ID numbers, and the full names of ``people``, of the
    source's people and (unless ``mask_registered_people`` is False, e.g. for a deputies' roster) of any
    registered person of the area's subtree named in the text. ``expires_on`` is the last day it shows.
    """
    require(actor, permissions.CHANGE_NOTICE, area)
    errors: dict[str, str] = {}
    people = list(people or ())
    if source is not None:
        if getattr(source, "scope_path", None) is None or not permissions.can(
            actor, permissions.CHANGE_NOTICE, source
        ):
            errors["source"] = _("只能公示您管辖范围内的记录。")
        else:
            if not (title or "").strip() and not (body or "").strip() and hasattr(source, "notice_content"):
                title, body = source.notice_content()
            if hasattr(source, "notice_people"):
                people.extend(source.notice_people())
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题不能超过%(max)d个字。") % {"max": TITLE_MAX}
    if not body:
        errors["body"] = _("请填写正文。")
    if kind not in NoticeKind.values:
        errors["kind"] = _("未知的公示类别。")
    if expires_on is not None and expires_on < timezone.localdate():
        errors["expires_on"] = _("公示截止日期不能早于今天。")
    if errors:
        raise ValidationError(errors)
    if mask_registered_people:
        people.extend(people_named_in(f"{title}\n{body}", area=area))
    notice = Notice.objects.create(
        area=area,
        title=mask_public_text(title, people=people)[:TITLE_MAX],
        body=mask_public_text(body, people=people),
        kind=kind,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=str(source.pk) if source is not None else "",
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        publisher_label=publisher_label_for(actor, area)[:120],
        expires_on=expires_on,
    )
    audit_record(actor=actor, obj=notice, verb="notice.publish", after=snapshot(notice, NOTICE_FIELDS))
    return notice


@transaction.atomic
def notice_withdraw(*, actor, notice: Notice, reason: str) -> Notice:
    """Take a notice off the public board. Needs ``notices.change_notice`` on its area and a reason.

    Locks the notice row; a notice already withdrawn cannot be withdrawn again. It stays in the staff list
    with the reason, and in the audit trail.
    """
    require(actor, permissions.CHANGE_NOTICE, notice)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤回原因。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("撤回原因不能超过500个字。")})
    notice = Notice.objects.select_for_update(of=("self",)).select_related("area").get(pk=notice.pk)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError({"status": _("这条公示已经撤回。")})
    before = {"status": notice.status}
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.withdrawn_by = actor if getattr(actor, "is_authenticated", False) else None
    notice.withdraw_reason = reason
    notice.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_record(
        actor=actor,
        obj=notice,
        verb="notice.withdraw",
        before=before,
        after={"status": notice.status, "reason": reason},
    )
    return notice
