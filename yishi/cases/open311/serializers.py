"""Cases as GeoReport v2 service requests — public data only.

No reporter name, phone or person ever leaves here; title, text and reasons go through
``yishi.core.masking.mask_text`` (phone and ID numbers) and the reporter's name, if written in the text, is
masked too. ``media_url`` is the public URL the Open311 client sent with the request (uploaded photos are
private to the people handling the case, so they are never linked).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yishi.core.masking import mask_public_text

from ..models import Case, Category
from ..workflow import Status
from .selectors import SUBMIT_VERB

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
URGENCY_VALUES = [("normal", "Normal"), ("urgent", "Urgent"), ("critical", "Critical")]

# Audit verbs shown in the public history (extensions=true), with their English summaries. Internal steps
# (contacts, returns, extensions, department parts, supervision alarms) are left out on purpose.
PUBLIC_NOTES = {
    "case.submit": "Request received.",
    "case.accept": "Request accepted.",
    "case.reject": "Request declined.",
    "case.merge": "Merged into another request about the same problem.",
    "case.handle_self": "The community is handling the request.",
    "case.joint": "Handled jointly by the five parties of the community.",
    "case.assign": "Assigned to a unit.",
    "case.pool": "Offered to departments to claim.",
    "case.claim": "Claimed by a department.",
    "case.whistle": "The street summoned the departments concerned.",
    "case.refer_council": "Referred to the residents' deliberation council.",
    "case.refer_mediation": "Referred to dispute mediation.",
    "case.suggest": "Forwarded as a deputy's suggestion.",
    "case.escalate": "Escalated to the level above.",
    "case.resolve": "Resolved.",
    "case.parts_done": "Resolved: every department finished its part.",
    "case.reply": "Answer given to the reporter.",
    "case.rate": "Rated by the reporter.",
    "case.reopen": "Reopened after the reporter's rating.",
    "case.supervise": "Under supervision after the reporter's rating.",
    "case.close_unrated": "Closed: not rated within the rating period.",
    "case.close": "Closed.",
}


def w3(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _public_text(case: Case, value: str) -> str:
    """Text of a case as the public may read it: contacts masked and the reporter's name masked, whether the
    reporter was written down by name or is a registered person."""
    names = [case.reporter_name, *(p.name for p in case.notice_people())]
    return mask_public_text(value or "", names=names)


def service_data(category: Category) -> dict:
    return {
        "service_code": category.key,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.keywords.split()) or None,
        "group": category.parent.name if category.parent_id else None,
    }


def service_definition_data(category: Category) -> dict:
    """The one attribute every service takes: the urgency (紧急程度) of the matter."""
    return {
        "service_code": category.key,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "One of the keys below; normal when not sent.",
                "order": 1,
                "description": "How urgent the matter is.",
                "values": [{"key": key, "name": name} for key, name in URGENCY_VALUES],
            }
        ],
    }


def _status_notes(case: Case) -> str | None:
    if case.status == Status.REJECTED:
        return _public_text(case, case.reject_reason) or None
    if case.status == Status.MERGED and case.merged_into_id:
        return f"Merged into service request {case.merged_into.number}."
    return None


def _expected(case: Case) -> str | None:
    steps = getattr(case, "open_resolve_steps", None)
    if not case.is_open or not steps:
        return None
    return w3(steps[0].due_at)


def request_data(case: Case, *, events: list | None = None, extensions: bool = False) -> dict:
    """One case as a GeoReport v2 request; ``events`` are its audit events of ``selectors.events_for``."""
    events = events or []
    media = next((e.after.get("media_url") for e in events if e.verb == SUBMIT_VERB), None) or None
    data = {
        "service_request_id": case.number,
        "status": "open" if case.is_open else "closed",
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.key,
        "description": _public_text(case, case.text)[:4000],
        "agency_responsible": case.handler_unit.name if case.handler_unit_id else case.level_area.name,
        "service_notice": None,
        "requested_datetime": w3(case.submitted_at),
        "updated_datetime": w3(case.updated_at if case.is_open else (case.closed_at or case.updated_at)),
        "expected_datetime": _expected(case),
        # The detailed address (a flat number) identifies the reporter; the public feed names the place only.
        "address": case.area.name,
        "address_id": case.area.code or str(case.area_id),
        "zipcode": None,
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": media,
    }
    if extensions:
        notes = []
        for event in events:
            summary = PUBLIC_NOTES.get(event.verb)
            if summary is None:
                continue
            if event.verb == "case.reject" and event.note:
                summary = f"{summary} {_public_text(case, event.note)}"
            notes.append({"datetime": w3(event.at), "summary": summary})
        data["extended_attributes"] = {
            "title": _public_text(case, case.title),
            "detailed_status": case.status,
            "handling_mode": case.handling_mode or None,
            "reopen_count": case.reopen_count,
            "notes": notes,
        }
    return data
