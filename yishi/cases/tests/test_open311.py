"""Open311 GeoReport v2 at ``/open311/v2/``: every JSON response validated against the GeoReport v2 JSON
Schemas (copied into ``open311_schemas/``), every XML response checked against the same field lists, every
error case, the POST that creates a case, the filters, window, cap and paging of ``GET requests``, masking,
the ``extensions=true`` history, and the query count of the list.
"""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import timezone
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from yishi.areas.models import Area
from yishi.audit.models import AuditEvent
from yishi.cases import services
from yishi.cases.models import Case, Channel, Open311Key
from yishi.cases.open311 import views as open311_views
from yishi.cases.open311.selectors import key_hash
from yishi.cases.open311.services import open311_key_create
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.core.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
SCHEMAS = Path(__file__).parent / "open311_schemas"
KEY = "test-open311-key"


def _load(name):
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


REGISTRY = Registry().with_resources(
    (name, DRAFT7.create_resource(_load(name)))
    for name in ("service.json", "services.json", "service-definition.json", "request.json", "requests.json")
)
SWAGGER = _load("swagger.json")


def _swagger_schema(definition, *, nullable=()):
    schema = json.loads(json.dumps(SWAGGER["definitions"][definition]))
    for name in nullable:  # the spec's example sends account_id null; the swagger types it string only
        schema["properties"][name] = {"anyOf": [schema["properties"][name], {"type": "null"}]}
    return schema


def validate(schema_name, data):
    schema = _load(schema_name) if isinstance(schema_name, str) else schema_name
    errors = list(Draft7Validator(schema, registry=REGISTRY).iter_errors(data))
    assert not errors, [e.message for e in errors]


def properties(schema_name):
    return _load(schema_name)["properties"]


def _types(spec):
    options = spec.get("anyOf", [spec])
    return {o.get("type") for o in options}, next((o.get("format") for o in options if "format" in o), None)


def check_xml_item(element, props, *, extra=()):
    """Each child is a field of the schema and its text parses as the field's type."""
    for child in element:
        if child.tag in extra:
            continue
        assert child.tag in props, child.tag
        types, fmt = _types(props[child.tag])
        text = child.text
        if text is None:
            assert "null" in types or "string" in types, child.tag
            continue
        if "number" in types:
            float(text)
        elif "boolean" in types:
            assert text in ("true", "false")
        elif "integer" in types:
            int(text)
        elif fmt == "date-time":
            dt.datetime.fromisoformat(text)
        if "enum" in props[child.tag]:
            assert text in props[child.tag]["enum"]
    required = _load_required(props)
    for name in required:
        assert element.find(name) is not None, name


def _load_required(props):
    for name in ("request.json", "service.json", "service-definition.json"):
        schema = _load(name)
        if schema["properties"] is props or schema["properties"] == props:
            return schema.get("required", [])
    return []


def parse_xml(response, root):
    assert response["Content-Type"].startswith("text/xml")
    document = ET.fromstring(response.content)
    assert document.tag == root
    return document


def assert_error(response, code, fmt="json"):
    assert response.status_code == code, response.content
    if fmt == "xml":
        document = parse_xml(response, "errors")
        errors = document.findall("error")
        assert len(errors) == 1 and errors[0].findtext("code") == str(code)
        assert errors[0].findtext("description")
        return errors[0].findtext("description")
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == code and body[0]["description"]
    return body[0]["description"]


@pytest.fixture
def w(tree):
    class W:
        pass

    w = W()
    w.tree = tree
    w.parent = CategoryFactory(key="environment", name="环境卫生")
    w.noise = CategoryFactory(
        key="noise", name="噪声扰民", parent=w.parent, keywords="噪声 喇叭", description="商铺喇叭等噪声"
    )
    w.retired = CategoryFactory(key="retired", name="旧类别", is_active=False)
    Area.objects.filter(pk=tree.community.pk).update(
        latitude="37.990000", longitude="106.200000", code="640302101"
    )
    Area.objects.filter(pk=tree.building.pk).update(latitude="38.000000", longitude="106.210000")
    Area.objects.filter(pk=tree.sibling.pk).update(latitude="38.030000", longitude="106.240000")
    for area in (tree.community, tree.building, tree.sibling):
        area.refresh_from_db()
    w.key = open311_key_create("社区App", KEY)
    w.staff = user_with_role("community_staff", tree.community, username="o311-staff")
    return w


def post(client, fmt="json", **data):
    payload = {
        "api_key": KEY,
        "service_code": "noise",
        "description": "楼下商铺喇叭声音太大\n每天早上七点开始",
    }
    payload.update(data)
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post(f"{BASE}requests.{fmt}", payload)


# ---------------------------------------------------------------- discovery and services


def test_discovery_json_and_xml(client, w):
    data = client.get(f"{BASE}discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    document = parse_xml(client.get(f"{BASE}discovery.xml"), "discovery")
    assert {c.tag for c in document} == {"changeset", "contact", "key_service", "endpoints"}
    formats = document.findall("endpoints/endpoint/formats/format")
    assert {f.text for f in formats} == {"text/xml", "application/json"}


def test_services_are_the_active_categories(client, w):
    data = client.get(f"{BASE}services.json").json()
    validate("services.json", data)
    by_code = {s["service_code"]: s for s in data}
    assert set(by_code) == {"environment", "noise"}  # the inactive category is no service
    noise = by_code["noise"]
    assert noise == {
        "service_code": "noise",
        "service_name": "噪声扰民",
        "description": "商铺喇叭等噪声",
        "metadata": True,
        "type": "realtime",
        "keywords": "噪声,喇叭",
        "group": "环境卫生",
    }
    assert by_code["environment"]["group"] is None

    document = parse_xml(client.get(f"{BASE}services.xml"), "services")
    services_ = document.findall("service")
    assert len(services_) == 2
    for element in services_:
        check_xml_item(element, properties("service.json"))


def test_service_definition(client, w):
    data = client.get(f"{BASE}services/noise.json").json()
    validate("service-definition.json", data)
    assert data["service_code"] == "noise"
    assert [a["code"] for a in data["attributes"]] == ["urgency"]
    assert {v["key"] for v in data["attributes"][0]["values"]} == {"normal", "urgent", "critical"}

    document = parse_xml(client.get(f"{BASE}services/noise.xml"), "service_definition")
    assert document.findtext("service_code") == "noise"
    attribute = document.find("attributes/attribute")
    item_props = properties("service-definition.json")["attributes"]["items"]["properties"]
    for child in attribute:
        assert child.tag in item_props
    assert attribute.findtext("variable") == "true" and attribute.findtext("required") == "false"
    assert int(attribute.findtext("order")) == 1
    assert {v.findtext("key") for v in attribute.findall("values/value")} == {"normal", "urgent", "critical"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_inactive_service_is_404(client, w, fmt):
    assert_error(client.get(f"{BASE}services/nope.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}services/retired.{fmt}"), 404, fmt)


def test_jurisdiction_unknown_endpoint_and_method(client, w):
    assert client.get(f"{BASE}services.json", {"jurisdiction_id": "yishi"}).status_code == 200
    assert_error(client.get(f"{BASE}services.json", {"jurisdiction_id": "elsewhere"}), 404)
    assert_error(client.get(f"{BASE}nothing-here.xml"), 404, "xml")
    assert_error(client.get(f"{BASE}services.csv"), 404)
    assert_error(client.delete(f"{BASE}services.json"), 405)


# ---------------------------------------------------------------- POST requests


def test_post_creates_an_open311_case_with_audit_events(client, w):
    response = post(
        client,
        lat="38.000100",
        long="106.210100",
        first_name="秀兰",
        last_name="马",
        phone="13900000001",
        email="ma@example.com",
        media_url="https://img.example.com/noise.jpg",
        **{"attribute[urgency]": "urgent"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    validate({"type": "array", "items": _swagger_schema("RequestResponse", nullable=["account_id"])}, data)
    assert data[0]["account_id"] is None and "accepted or declined by" in data[0]["service_notice"]
    case = Case.objects.get(number=data[0]["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.area == w.tree.building  # the nearest area with coordinates
    assert case.category == w.noise and case.urgency == "urgent"
    assert case.title == "楼下商铺喇叭声音太大" and case.text.startswith("楼下商铺喇叭声音太大\n")
    assert case.reporter_name == "马秀兰" and case.reporter_phone == "13900000001" and not case.is_anonymous
    assert str(case.latitude) == "38.000100"
    verbs = list(AuditEvent.objects.for_object(case).values_list("verb", "after"))
    assert (
        "case.submit",
        {"number": case.number, "channel": "open311", "category": "noise", "area": w.tree.building.pk},
    ) in verbs
    assert (
        "case.open311",
        {"api_client": "社区App", "media_url": "https://img.example.com/noise.jpg"},
    ) in verbs


def test_post_xml_and_anonymous(client, w):
    response = post(client, "xml", address_id=str(w.tree.grid.pk))
    assert response.status_code == 200, response.content
    document = parse_xml(response, "service_requests")
    request = document.find("request")
    assert {c.tag for c in request} == {"service_request_id", "service_notice", "account_id"}
    assert request.find("account_id").text is None
    case = Case.objects.get(number=request.findtext("service_request_id"))
    assert case.area == w.tree.grid and case.is_anonymous


def test_post_location_by_code_or_address(client, w):
    by_code = post(client, address_id="640302101").json()[0]
    assert Case.objects.get(number=by_code["service_request_id"]).area == w.tree.community
    by_name = post(client, address_string="裕西社区古城巷5号楼3单元").json()[0]
    case = Case.objects.get(number=by_name["service_request_id"])
    assert case.area == w.tree.building and case.address == "裕西社区古城巷5号楼3单元"


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": None, "address_id": "640302101"}, 400, "service_code"),
        ({"service_code": "nope", "address_id": "640302101"}, 404, "service_code"),
        ({"service_code": "retired", "address_id": "640302101"}, 404, "service_code"),
        ({}, 400, "location"),
        ({"lat": "abc", "long": "106.2"}, 400, "lat"),
        ({"lat": "95", "long": "106.2"}, 400, "lat"),
        ({"lat": "NaN", "long": "106.2"}, 400, "lat"),
        ({"lat": "38", "long": "1e400"}, 400, "long"),
        ({"lat": "38.0"}, 400, "together"),
        ({"lat": "10.0", "long": "10.0"}, 400, "10 km"),
        ({"address_id": "999999999999999999999"}, 400, "address_id"),
        ({"address_id": str(10**6)}, 400, "address_id"),
        ({"address_string": "火星基地"}, 400, "address_string"),
        ({"address_id": "640302101", "description": ""}, 400, "description"),
        ({"address_id": "640302101", "description": "长" * 4001}, 400, "description"),
        ({"address_id": "640302101", "phone": "12345"}, 400, "phone"),
        ({"address_id": "640302101", "email": "not-an-email"}, 400, "email"),
        ({"address_id": "640302101", "media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"address_id": "640302101", "attribute[urgency]": "now"}, 400, "urgency"),
        ({"address_id": "640302101", "jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors_save_nothing(client, w, data, code, words, fmt):
    description = assert_error(post(client, fmt, **data), code, fmt)
    assert words in description
    assert not Case.objects.exists()


def test_post_with_inactive_key_is_403(client, w):
    Open311Key.objects.filter(pk=w.key.pk).update(is_active=False)
    assert_error(post(client, address_id="640302101"), 403)


def test_post_without_any_area_coordinates(client, w):
    Area.objects.update(latitude=None, longitude=None)
    assert "coordinates" in assert_error(post(client, lat="38.0", long="106.2"), 400)


def test_ambiguous_address_string(client, w):
    from yishi.core.tests.factories import AreaFactory

    AreaFactory(parent=w.tree.sibling, name="古城巷5号楼", level="grid")
    assert "several" in assert_error(post(client, address_string="古城巷5号楼"), 400)
    # Naming the community settles it.
    assert post(client, address_string="金花社区古城巷5号楼").status_code == 200


def test_key_create_keeps_only_the_hash_and_repeats(w):
    key = Open311Key.objects.get(pk=w.key.pk)
    assert key.key_hash == key_hash(KEY) and KEY not in key.key_hash
    again = open311_key_create("社区App", KEY)
    assert again.pk == key.pk and Open311Key.objects.count() == 1
    fresh = open311_key_create("另一个App")
    assert len(fresh.raw_key) > 30 and fresh.key_hash == key_hash(fresh.raw_key)


def test_admin_add_shows_the_raw_key_once(w, admin_user):
    from django.contrib import admin

    from yishi.cases.open311.admin import Open311KeyAdmin

    model_admin = Open311KeyAdmin(Open311Key, admin.site)
    request = RequestFactory().post("/admin/cases/open311key/add/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    obj = Open311Key(name="街道App", is_active=True)
    model_admin.save_model(request, obj, form=None, change=False)
    stored = Open311Key.objects.get(pk=obj.pk)
    (message,) = [str(m) for m in request._messages]
    raw = message.rsplit("：", 1)[1]
    assert stored.key_hash == key_hash(raw) and raw not in stored.key_hash


# ---------------------------------------------------------------- GET requests


def _case(w, **kwargs):
    kwargs.setdefault("category", w.noise)
    return make_case(w.tree.building, **kwargs)


def test_get_requests_json_schema_and_public_fields(client, w):
    case = _case(
        w,
        text="喇叭太吵，联系我13812345678，我叫马秀兰。",
        reporter_name="马秀兰",
        reporter_phone="13900000001",
        latitude="38.000100",
        longitude="106.210100",
        address="古城巷5号楼下",
    )
    data = client.get(f"{BASE}requests.json").json()
    validate("requests.json", data)
    (item,) = data
    assert item["service_request_id"] == case.number and item["status"] == "open"
    assert item["service_code"] == "noise" and item["service_name"] == "噪声扰民"
    assert item["description"] == "喇叭太吵，联系我138****5678，我叫马*兰。"
    assert (
        item["lat"] == 38.0001 and item["long"] == 106.2101 and item["address"] == w.tree.building.name
    )  # the place, never the detailed address
    assert item["agency_responsible"] == "裕西社区"
    assert item["media_url"] is None and item["expected_datetime"] is None
    body = json.dumps(data, ensure_ascii=False)
    assert "13900000001" not in body and "13812345678" not in body and "马秀兰" not in body
    assert "extended_attributes" not in item


def test_get_requests_xml_fields_and_types(client, w):
    _case(w, latitude="38.0001", longitude="106.2101", text="包含控制字符\x01的内容")
    document = parse_xml(client.get(f"{BASE}requests.xml", {"extensions": "true"}), "service_requests")
    (request,) = document.findall("request")
    check_xml_item(request, properties("request.json"), extra=("extended_attributes",))
    assert request.findtext("status") == "open"
    assert request.findtext("extended_attributes/detailed_status") == "submitted"
    notes = request.findall("extended_attributes/notes/note")
    assert notes and notes[0].findtext("summary") == "Request received."
    dt.datetime.fromisoformat(notes[0].findtext("datetime"))


def test_get_request_detail_expected_and_agency(client, w):
    case = _case(w)
    services.case_accept(actor=w.staff, case=case)
    unit = UnitFactory(area=w.tree.street, name="城市管理局")
    services.case_assign(actor=w.staff, case=case, unit=unit)
    data = client.get(f"{BASE}requests/{case.number}.json").json()
    validate("requests.json", data)
    assert len(data) == 1
    step = case.steps.get(step="resolve")
    assert data[0]["expected_datetime"] == timezone.localtime(step.due_at).replace(microsecond=0).isoformat()
    assert data[0]["agency_responsible"] == "城市管理局"
    document = parse_xml(client.get(f"{BASE}requests/{case.number}.xml"), "service_requests")
    check_xml_item(document.find("request"), properties("request.json"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(client, w, fmt):
    assert_error(client.get(f"{BASE}requests/2026-000000-999999.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}tokens/nope.{fmt}"), 404, fmt)


def test_token_is_the_request_number(client, w):
    number = post(client, address_id="640302101").json()[0]["service_request_id"]
    data = client.get(f"{BASE}tokens/{number}.json").json()
    assert data == [{"service_request_id": number, "token": number}]
    validate({"type": "array", "items": _swagger_schema("TokenResponse")}, data)
    document = parse_xml(client.get(f"{BASE}tokens/{number}.xml"), "service_requests")
    assert document.findtext("request/service_request_id") == number


def test_media_url_from_post_is_shown(client, w):
    number = post(client, address_id="640302101", media_url="https://img.example.com/a.jpg").json()[0][
        "service_request_id"
    ]
    (item,) = client.get(f"{BASE}requests/{number}.json").json()
    assert item["media_url"] == "https://img.example.com/a.jpg"


def test_get_filters(client, w):
    other_category = CategoryFactory(key="parking", name="停车")
    a = _case(w)
    b = _case(w, category=other_category)
    c = _case(w)
    services.case_reject(actor=w.staff, case=c, reason="正在诉讼中")

    def numbers(**query):
        response = client.get(f"{BASE}requests.json", query)
        assert response.status_code == 200, response.content
        return {item["service_request_id"] for item in response.json()}

    assert numbers() == {a.number, b.number, c.number}
    assert numbers(service_code="parking") == {b.number}
    assert numbers(service_code="parking,noise") == {a.number, b.number, c.number}
    assert numbers(status="open") == {a.number, b.number}
    assert numbers(status="closed") == {c.number}
    assert numbers(status="open,closed") == {a.number, b.number, c.number}
    assert numbers(service_request_id=f"{a.number},{c.number},nope") == {a.number, c.number}
    # service_request_id overrides the other filters
    assert numbers(service_request_id=a.number, status="closed") == {a.number}
    assert_error(client.get(f"{BASE}requests.json", {"service_code": "nope"}), 404)
    assert_error(client.get(f"{BASE}requests.json", {"status": "pending"}), 400)


def test_rejection_reason_is_the_status_note(client, w):
    case = _case(w)
    services.case_reject(actor=w.staff, case=case, reason="正在诉讼中，请联系13812345678")
    (item,) = client.get(f"{BASE}requests/{case.number}.json").json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "正在诉讼中，请联系138****5678"


def test_default_window_is_90_days_and_dates_filter(client, w):
    now = timezone.now()
    recent = _case(w, submitted_at=now - dt.timedelta(days=10))
    old = _case(w, submitted_at=now - dt.timedelta(days=100))
    older = _case(w, submitted_at=now - dt.timedelta(days=150))

    def numbers(**query):
        response = client.get(f"{BASE}requests.json", query)
        assert response.status_code == 200, response.content
        return [item["service_request_id"] for item in response.json()]

    assert numbers() == [recent.number]
    start = (now - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - dt.timedelta(days=50)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(start_date=start, end_date=end) == [old.number]
    assert numbers(start_date=start) == [old.number]  # 90 days from start_date
    assert numbers(end_date=end) == [old.number]  # 90 days up to end_date
    assert numbers(start_date=(now - dt.timedelta(days=160)).date().isoformat()) == [old.number, older.number]


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-13-45T00:00:00Z"},
        {"end_date": "2026-02-30"},
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        {"page": "0"},
        {"page": "abc"},
        {"page": "-1"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "1.5"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_dates_and_pages_are_400(client, w, query, fmt):
    assert_error(client.get(f"{BASE}requests.{fmt}", query), 400, fmt)


def test_cap_and_paging(client, w, monkeypatch):
    now = timezone.now()
    cases = [_case(w, submitted_at=now - dt.timedelta(hours=i)) for i in range(7)]
    expected = [c.number for c in cases]  # newest first
    monkeypatch.setattr(open311_views, "MAX_RESULTS", 3)

    def numbers(**query):
        response = client.get(f"{BASE}requests.json", query)
        assert response.status_code == 200, response.content
        return [item["service_request_id"] for item in response.json()]

    assert numbers() == expected[:3]  # capped without paging parameters
    assert numbers(page=2) == expected[3:6]
    assert numbers(page=3) == expected[6:]
    assert numbers(page=4) == []
    assert numbers(page_size=2, page=2) == expected[2:4]
    assert_error(client.get(f"{BASE}requests.json", {"page_size": 4}), 400)
    assert open311_views.MAX_RESULTS == 3
    monkeypatch.undo()
    assert open311_views.MAX_RESULTS == 1000


def test_extension_notes_show_public_history_only(client, w):
    case = _case(w)
    services.case_accept(actor=w.staff, case=case)
    services.case_contact(actor=w.staff, case=case, note="已电话联系马秀兰13900000001")
    services.case_handle_self(actor=w.staff, case=case)
    services.case_resolve(actor=w.staff, case=case, result="已协调商铺调低音量")
    rejected = _case(w)
    services.case_reject(actor=w.staff, case=rejected, reason="不属于受理范围")
    data = client.get(f"{BASE}requests.json", {"extensions": "true"}).json()
    validate("requests.json", data)
    by_number = {item["service_request_id"]: item for item in data}
    extended = by_number[case.number]["extended_attributes"]
    assert extended["detailed_status"] == "resolved" and extended["handling_mode"] == "self"
    summaries = [note["summary"] for note in extended["notes"]]
    assert summaries == [
        "Request received.",
        "Request accepted.",
        "The community is handling the request.",
        "Resolved.",
    ]
    assert "13900000001" not in json.dumps(data) and "马秀兰" not in json.dumps(data, ensure_ascii=False)
    notes = by_number[rejected.number]["extended_attributes"]["notes"]
    assert notes[-1]["summary"] == "Request declined. 不属于受理范围"
    for note in notes:
        dt.datetime.fromisoformat(note["datetime"])


def test_merged_request_points_to_the_surviving_one(client, w):
    survivor = _case(w)
    duplicate = _case(w)
    services.case_accept(actor=w.staff, case=survivor)
    services.case_merge(actor=w.staff, case=duplicate, into=survivor)
    (item,) = client.get(f"{BASE}requests/{duplicate.number}.json").json()
    assert item["status"] == "closed"
    assert item["status_notes"] == f"Merged into service request {survivor.number}."


@pytest.mark.parametrize("extensions", ["", "true"])
def test_request_list_query_count_is_pinned(client, w, django_assert_num_queries, extensions):
    for _ in range(2):
        services.case_accept(actor=w.staff, case=_case(w))
    # The cases (with category, area, reporter), their level areas, open resolve steps, audit events; no
    # handling units or merged cases on the page, so no query for them.
    with django_assert_num_queries(4):
        assert len(client.get(f"{BASE}requests.json", {"extensions": extensions}).json()) == 2
    for _ in range(5):
        services.case_accept(actor=w.staff, case=_case(w))
    with django_assert_num_queries(4):
        assert len(client.get(f"{BASE}requests.json", {"extensions": extensions}).json()) == 7


def test_admin_add_page_creates_a_key_and_shows_it_once(client, w):
    from yishi.core.tests.factories import UserFactory

    client.force_login(UserFactory(username="o311-root", is_superuser=True, is_staff=True))
    response = client.post(
        "/admin/cases/open311key/add/", {"name": "区级App", "is_active": "on"}, follow=True
    )
    assert response.status_code == 200
    (message,) = [str(m) for m in response.context["messages"] if "只显示这一次" in str(m)]
    raw = message.rsplit("：", 1)[1]
    key = Open311Key.objects.get(name="区级App")
    assert key.key_hash == key_hash(raw)
    # The key works for POST, and the admin never shows it again.
    page = client.get(f"/admin/cases/open311key/{key.pk}/change/").content.decode()
    assert raw not in page and key.key_hash not in page
    assert post(client, api_key=raw, address_id="640302101").status_code == 200


def test_public_feed_masks_a_registered_reporters_name_and_gives_no_flat_number(client, w):
    from yishi.cases.models import Channel
    from yishi.cases.services import case_submit

    resident = user_with_role("resident", w.tree.building, username="o311-resident")
    resident.person.name = "张秀英"
    resident.person.save()
    case = case_submit(
        actor=resident,
        area=w.tree.building,
        category=w.noise,
        title="噪声",
        channel=Channel.OPINION_BOX,
        text="我是张秀英，住3单元401，电话13912345678",
        address="古城巷5号楼3单元401室",
    )
    body = client.get(f"{BASE}requests/{case.number}.json").content.decode()
    assert "张秀英" not in body and "张*英" in body
    assert "13912345678" not in body and "401室" not in body
