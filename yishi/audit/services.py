"""Writes to the audit trail. Every service that changes state calls ``audit_record`` in its transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


def _plain(data: dict | None) -> dict:
    """The JSON the database will give back, so the hash computed now matches the hash of the stored row."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def _scope_path(obj) -> str:
    try:
        return obj.scope_path or ""
    except AttributeError:
        return ""


# No savepoint inside a caller's transaction (two round trips per audited change): an event that fails to
# be written must roll back the change it records, never be caught and skipped.
@transaction.atomic(savepoint=False)
def audit_record(
    *, actor, obj, verb: str, before: dict | None = None, after: dict | None = None, note: str = ""
) -> AuditEvent:
    """Append one event for ``verb`` done by ``actor`` (a user, or None for the system) to ``obj``.

    Locks the chain head so concurrent writers append one after the other; call it inside the
    transaction of the change it records, so the event and the change commit or roll back together.
    """
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=actor_id,
        actor_label=str(actor)[:100] if actor_id else "系统",
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_label=str(obj)[:255],
        area_path=_scope_path(obj),
        verb=verb,
        before=_plain(before),
        after=_plain(after),
        note=note,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first breaks: the event's ``seq``, a ``kind`` and an English ``reason``.

    ``kind`` is one of ``missing`` (a gap in ``seq``), ``out_of_order`` (``prev_hash`` points elsewhere:
    rows deleted and renumbered, or swapped), ``changed`` (the fields no longer match the hash) and
    ``truncated`` (events after the last row are gone).
    """

    seq: int | None
    reason: str
    kind: str = ""


def audit_verify(batch_size: int = 2000) -> ChainBreak | None:
    """Walk the whole chain in ``seq`` order; return the first break, or None when it is intact.

    Catches an edited event (its hash no longer matches its fields), a deleted one (a gap in ``seq`` or a
    ``prev_hash`` that points elsewhere, or a head that ends past the last row) and swapped ones.
    """
    expected_prev, expected_seq = GENESIS_HASH, 1
    last = None
    qs = AuditEvent.objects.order_by("seq")
    start = 0
    while True:
        rows = list(qs.filter(seq__gt=start)[:batch_size])
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return ChainBreak(event.seq, f"missing event #{expected_seq} before #{event.seq}", "missing")
            if event.prev_hash != expected_prev:
                return ChainBreak(
                    event.seq, f"event #{event.seq} does not follow #{event.seq - 1}", "out_of_order"
                )
            if event.compute_hash() != event.hash:
                return ChainBreak(
                    event.seq, f"event #{event.seq} was changed after it was written", "changed"
                )
            expected_prev, expected_seq = event.hash, event.seq + 1
            last = event
        start = rows[-1].seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None and last is not None:
        return ChainBreak(last.seq, f"the chain head is missing after #{last.seq}", "truncated")
    if head is not None and (head.last_seq != (last.seq if last else 0) or head.last_hash != expected_prev):
        return ChainBreak(
            head.last_seq,
            f"events after #{last.seq if last else 0} up to #{head.last_seq} are missing",
            "truncated",
        )
    return None
