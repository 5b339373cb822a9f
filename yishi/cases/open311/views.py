"""Open311 GeoReport v2 endpoints: plain Django views, JSON or XML by the URL's extension.

Every view runs inside ``open311_endpoint``, which answers ``Open311Error`` (and ``ValidationError``) with the
spec's error body, so no client input can produce a 500. POST is CSRF-exempt (clients are programs holding
an ``api_key``).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import params, selectors, serializers, services
from .render import FORMATS, Open311Error, error_response, respond

DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
CHANGESET = "2026-01-01T00:00:00+08:00"


def jurisdiction_id() -> str:
    return getattr(settings, "YISHI_OPEN311_JURISDICTION", "yishi")


def open311_endpoint(*methods):
    """Check the method, the format and ``jurisdiction_id``; turn client errors into the error body."""

    def wrap(view):
        @functools.wraps(view)
        def inner(request, *args, fmt="json", **kwargs):
            fmt = fmt if fmt in FORMATS else "json"
            try:
                if request.method not in methods:
                    raise Open311Error(405, f"Method {request.method} is not allowed here.")
                given = (
                    request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
                ).strip()
                if given and given != jurisdiction_id():
                    raise Open311Error(404, f"jurisdiction_id {given[:40]!r} not found.")
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.code, exc.description)
            except ValidationError as exc:
                return error_response(fmt, 400, "; ".join(exc.messages))

        return inner

    return wrap


@open311_endpoint("GET")
def discovery(request, fmt):
    url = (
        request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    )
    payload = {
        "changeset": CHANGESET,
        "contact": f"Open311 support: {settings.DEFAULT_FROM_EMAIL}",
        "key_service": "API keys for POST requests are issued by the site administrators.",
        "endpoints": [
            {
                "specification": serializers.SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, payload, root="discovery")


@open311_endpoint("GET")
def service_list(request, fmt):
    payload = [serializers.service_data(category) for category in selectors.service_list()]
    return respond(fmt, payload, root="services")


@open311_endpoint("GET")
def service_definition(request, code, fmt):
    category = selectors.service_get(code)
    return respond(fmt, serializers.service_definition_data(category), root="service_definition")


def _window(query) -> tuple[dt.datetime, dt.datetime]:
    """``start_date``/``end_date`` with the 90-day default window; a range may not span more than 90 days."""
    start, end = params.w3_datetime(query, "start_date"), params.w3_datetime(query, "end_date")
    try:
        if end is None:
            end = min(start + DEFAULT_WINDOW, timezone.now()) if start else timezone.now()
        if start is None:
            start = end - DEFAULT_WINDOW
    except OverflowError as exc:  # a date at the very edge of the calendar (year 1 or 9999)
        raise Open311Error(400, "start_date/end_date are out of range.") from exc
    if start > end:
        raise Open311Error(400, "start_date is after end_date.")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days.")
    return start, end


def _statuses(query) -> list[str]:
    statuses = params.comma_list(query, "status")
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, "status must be open, closed, or both (comma separated).")
    return statuses


def _render_requests(request, fmt, cases):
    extensions = (request.GET.get("extensions") or "").strip().lower() == "true"
    verbs = {selectors.SUBMIT_VERB, *(serializers.PUBLIC_NOTES if extensions else ())}
    events = selectors.events_for(cases, verbs)
    payload = [
        serializers.request_data(case, events=events[case.pk], extensions=extensions) for case in cases
    ]
    return respond(fmt, payload, root="service_requests")


@open311_endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    query = request.GET
    numbers = params.comma_list(query, "service_request_id")
    page = params.positive_int(query, "page", default=1)
    page_size = params.positive_int(query, "page_size", default=MAX_RESULTS, maximum=MAX_RESULTS)
    if numbers:
        cases = selectors.request_list(numbers=numbers, offset=(page - 1) * page_size, limit=page_size)
    else:
        codes = params.comma_list(query, "service_code")
        selectors.check_service_codes(codes)
        start, end = _window(query)
        cases = selectors.request_list(
            service_codes=codes,
            start=start,
            end=end,
            statuses=_statuses(query),
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    return _render_requests(request, fmt, cases)


def _create(request, fmt):
    data = request.POST
    key = selectors.key_for((data.get("api_key") or request.GET.get("api_key") or "").strip())
    if key is None:
        raise Open311Error(403, "api_key is missing or not valid.")
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required.")
    category = selectors.service_get(code)
    coordinates = params.coordinates(data)
    address = params.text(data, "address_string", max_length=255)
    address_id = params.text(data, "address_id", max_length=40)
    if address_id:
        area = selectors.area_by_id(address_id)
    elif coordinates:
        area = selectors.area_nearest(*coordinates)
    elif address:
        area = selectors.area_by_address(address)
    else:
        raise Open311Error(400, "A location is required: send lat and long, address_string or address_id.")
    case = services.open311_request_create(
        key=key,
        category=category,
        area=area,
        description=params.text(data, "description", max_length=4000),
        latitude=coordinates[0] if coordinates else None,
        longitude=coordinates[1] if coordinates else None,
        address=address,
        first_name=params.text(data, "first_name", max_length=25),
        last_name=params.text(data, "last_name", max_length=25),
        phone=params.text(data, "phone", max_length=20),
        email=params.text(data, "email", max_length=254),
        media_url=params.text(data, "media_url", max_length=500),
        urgency=params.text(data, "attribute[urgency]", max_length=16) or "normal",
    )
    payload = [
        {
            "service_request_id": case.number,
            "service_notice": services.service_notice(case),
            "account_id": None,
        }
    ]
    return respond(fmt, payload, root="service_requests")


@open311_endpoint("GET")
def request_detail(request, number, fmt):
    return _render_requests(request, fmt, [selectors.request_get(number)])


@open311_endpoint("GET")
def token(request, token, fmt):
    """POST answers synchronously with the request's number, so a token is that number."""
    case = selectors.request_get(token)
    return respond(fmt, [{"service_request_id": case.number, "token": token}], root="service_requests")


@open311_endpoint("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request, fmt, rest=""):
    raise Open311Error(404, "No such Open311 endpoint.")


requests = csrf_exempt(requests)
