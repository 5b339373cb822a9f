"""Writes for Open311: API keys, and service requests created through ``cases.services.case_submit``."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from yishi.areas.models import Area
from yishi.audit.services import audit_record

from ..models import Case, Category, Channel, Open311Key, Step, Urgency
from ..services import case_submit
from .render import Open311Error
from .selectors import SUBMIT_VERB, key_hash

TITLE_LENGTH = 40
# case_submit's field names as the Open311 parameters that fed them, for error descriptions.
PARAMETER_OF = {
    "text": "description",
    "title": "description",
    "reporter_phone": "phone",
    "latitude": "lat",
    "longitude": "long",
    "area": "address_id",
    "category": "service_code",
    "urgency": "attribute[urgency]",
}


@transaction.atomic
def open311_key_create(
    name: str, raw_key: str | None = None, *, actor=None, is_active: bool = True
) -> Open311Key:
    """Create an Open311 API key for the client application ``name``; only its SHA-256 is stored.

    Without ``raw_key`` a random one is made. The raw key is returned once on the instance as ``raw_key``
    (show it to the admin, then it is gone). Giving an existing raw key returns that key (demo loads repeat).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写应用名称。")})
    raw_key = raw_key or secrets.token_urlsafe(32)
    key, created = Open311Key.objects.get_or_create(
        key_hash=key_hash(raw_key), defaults={"name": name[:100], "is_active": is_active}
    )
    if created:
        audit_record(actor=actor, obj=key, verb="open311.key_create", after={"name": key.name})
    key.raw_key = raw_key
    return key


def _reporter_name(first_name: str, last_name: str) -> str:
    if (first_name + last_name).isascii():
        return f"{first_name} {last_name}".strip()
    return f"{last_name}{first_name}"


@transaction.atomic
def open311_request_create(
    *,
    key: Open311Key,
    category: Category,
    area: Area,
    description: str,
    latitude=None,
    longitude=None,
    address: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    media_url: str = "",
    urgency: str = Urgency.NORMAL,
) -> Case:
    """Create a case from an Open311 POST: ``case_submit`` on channel ``open311`` with no actor (the client
    application is recorded on a ``case.open311`` audit event, with the ``media_url`` it sent).

    The title is the description's first line, cut to 40 characters. The reporter is anonymous unless a
    name or phone is sent. ``email`` is checked but not kept: a case has no e-mail field. Raises
    ``Open311Error(400)`` with an English description for bad input; nothing is saved then.
    """
    if not description.strip():
        raise Open311Error(400, "description is required: say what the problem is.")
    if len(description) > 4000:
        raise Open311Error(400, "description is too long (at most 4000 characters).")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Open311Error(400, "email is not a valid e-mail address.") from exc
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise Open311Error(400, "media_url is not a valid http(s) URL.") from exc
    if urgency not in Urgency.values:
        raise Open311Error(400, "attribute[urgency] must be one of normal, urgent, critical.")
    first_line = description.strip().splitlines()[0].strip()
    title = first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"
    name = _reporter_name(first_name, last_name)
    try:
        case = case_submit(
            actor=None,
            area=area,
            category=category,
            title=title,
            text=description,
            channel=Channel.OPEN311,
            reporter_name=name,
            reporter_phone=phone,
            is_anonymous=not (name or phone),
            address=address,
            latitude=latitude,
            longitude=longitude,
            urgency=urgency,
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        parameter = PARAMETER_OF.get(field, field)
        if field == "reporter_phone":
            raise Open311Error(400, "phone must be an 11-digit mainland mobile number.") from exc
        raise Open311Error(400, f"{parameter} is invalid: {messages[0]}") from exc
    audit_record(
        actor=None,
        obj=case,
        verb=SUBMIT_VERB,
        after={"api_client": key.name, "media_url": media_url},
        note=key.name,
    )
    return case


def service_notice(case: Case) -> str:
    step = case.steps.filter(step=Step.ACCEPT).first()
    if step is None:
        return "Request received."
    from .serializers import w3

    return f"Request received; it will be accepted or declined by {w3(step.due_at)}."
