"""Open311 responses: JSON, or XML built with ``xml.etree``, and the error body of the spec.

Errors are a list of ``{"code": <http status>, "description": "…"}`` in JSON and
``<errors><error><code/><description/></error></errors>`` in XML. Descriptions are English literals (API text).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The element name of the members of each list, as the GeoReport v2 XML examples name them.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
}
# Characters XML 1.0 cannot carry, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """A client error answered with the spec's error body: ``code`` is the HTTP status."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        tag = LIST_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_INVALID.sub("", str(value))


def to_xml(root: str, payload) -> str:
    """``payload`` (a dict or a list of dicts) as an XML document whose root element is ``root``."""
    element = ET.Element(root)
    _fill(element, payload)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="unicode")


def respond(fmt: str, payload, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, payload), content_type=XML_TYPE, status=status)
    body = json.dumps(payload, ensure_ascii=False)
    return HttpResponse(body, content_type=JSON_TYPE, status=status)


def error_response(fmt: str, code: int, description: str) -> HttpResponse:
    return respond(
        fmt if fmt in FORMATS else "json",
        [{"code": code, "description": description}],
        root="errors",
        status=code,
    )
