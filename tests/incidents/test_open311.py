"""Open311 GeoReport v2: our documents have the shape of real cities' servers (captures in shared/data/open311),
read back by parsers that are not ours (ElementTree via defusedxml, json), and the spec's errors."""

import json
import re
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.conf import settings
from incident_helpers import PHAN_RANG, jpeg_bytes

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident

pytestmark = pytest.mark.django_db

CAPTURES = settings.SHARED_DATA_DIR / "open311"
# GeoReport v2's order of a request's fields. Toronto's server writes long before lat; the spec, lat first.
SPEC_REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


def _children(element) -> list[str]:
    return [child.tag for child in element]


@pytest.fixture
def filed(admin_units, categories):
    report = Report(category="pothole", description="Ổ gà <b>lớn</b> & sâu", channel="web", lon=PHAN_RANG[0],
                    lat=PHAN_RANG[1], attributes={"size": "large"}, reporter_name="Trần Thị B",
                    reporter_email="b@example.org")
    return do_submit_incident(check_report(report))


def test_requests_xml_has_torontos_elements_in_the_specs_order(client, filed):
    response = client.get("/open311/v2/requests.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    ours = ElementTree.fromstring(response.content)
    toronto = ElementTree.parse(CAPTURES / "toronto_requests.xml").getroot()
    assert ours.tag == toronto.tag == "service_requests"
    assert [c.tag for c in ours] == ["request"]
    their_fields = _children(toronto[0])
    assert set(their_fields) == set(SPEC_REQUEST)
    assert _children(ours[0]) == SPEC_REQUEST
    # Toronto's order but for the lat/long pair, which we write in the spec's order.
    pair = ("lat", "long")
    assert [f for f in their_fields if f not in pair] == [f for f in SPEC_REQUEST if f not in pair]
    request = ours[0]
    assert request.findtext("service_request_id") == filed.tracking_code
    assert request.findtext("description") == "Ổ gà <b>lớn</b> & sâu"  # escaped on the wire, intact once parsed
    assert b"&lt;b&gt;" in response.content and "Ổ gà".encode() in response.content  # UTF-8, not entities
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", request.findtext("expected_datetime"))
    # Empty elements as the cities write them: <zipcode/>, not <zipcode></zipcode> nor <zipcode />.
    assert b"<zipcode/>" in response.content and b"<address_id/>" in response.content
    assert float(request.findtext("lat")) == pytest.approx(PHAN_RANG[1])
    for secret in ("Trần Thị B", "b@example.org"):
        assert secret.encode() not in response.content


def test_requests_json_has_chicagos_keys_and_types(client, filed):
    ours = json.loads(client.get("/open311/v2/requests.json").content)
    chicago = json.loads((CAPTURES / "chicago_requests.json").read_text())
    assert isinstance(ours, list) and isinstance(chicago, list)
    for key, value in chicago[0].items():
        assert key in ours[0], key
        assert type(ours[0][key]) is type(value), key
    assert list(ours[0]) == SPEC_REQUEST
    assert ours[0]["status"] == "open" and ours[0]["description"] == "Ổ gà <b>lớn</b> & sâu"


def test_expected_datetime_is_the_incidents_deadline(client, filed):
    from datetime import datetime

    from incidents.workdays import deadline_for

    filed.refresh_from_db()
    assert filed.deadline == deadline_for(filed.created_at, filed.category.deadline_days)
    due = filed.deadline.replace(microsecond=0)
    as_xml = ElementTree.fromstring(client.get("/open311/v2/requests.xml").content)[0].findtext("expected_datetime")
    as_json = json.loads(client.get("/open311/v2/requests.json").content)[0]["expected_datetime"]
    one = json.loads(client.get(f"/open311/v2/requests/{filed.tracking_code}.json").content)[0]["expected_datetime"]
    for written in (as_xml, as_json, one):
        assert datetime.fromisoformat(written) == due, written
    # requested_datetime is the filing time, not the deadline: the two are days apart.
    requested = datetime.fromisoformat(json.loads(client.get("/open311/v2/requests.json").content)[0][
        "requested_datetime"])
    assert requested == filed.created_at.replace(microsecond=0) and due - requested >= timedelta(days=5)


def test_services_have_the_fields_of_both_captured_servers(client, categories):
    ours = ElementTree.fromstring(client.get("/open311/v2/services.xml").content)
    fields = set()
    for name in ("giessen_services.xml", "sanfrancisco_services.xml"):
        fields |= {c.tag for c in ElementTree.parse(CAPTURES / name).getroot()[0]}
    assert fields == set(_children(ours[0]))
    assert _children(ours[0]) == ["service_code", "service_name", "description", "metadata", "type", "keywords",
                                  "group"]
    by_code = {s.findtext("service_code"): s for s in ours}
    assert by_code["pothole"].findtext("metadata") == "true" and by_code["water-leak"].findtext("metadata") == "false"
    assert by_code["pothole"].findtext("service_name") == "Ổ gà, hư hỏng mặt đường"
    services = json.loads(client.get("/open311/v2/services.json").content)
    # The camera violations' category (from a migration) is filed by cameras only: never offered here.
    assert {s["service_code"] for s in services} == {"pothole", "water-leak"} and services[0]["metadata"] is True
    assert client.get("/open311/v2/services/vi-pham-giao-thong.json").status_code == 404


def test_service_definition_lists_attributes_with_values(client, categories):
    tree = ElementTree.fromstring(client.get("/open311/v2/services/pothole.xml").content)
    assert tree.tag == "service_definition" and tree.findtext("service_code") == "pothole"
    attribute = tree.find("attributes/attribute")
    assert _children(attribute) == ["variable", "code", "datatype", "required", "datatype_description", "order",
                                    "description", "values"]
    assert [v.findtext("key") for v in attribute.find("values")] == ["small", "large"]
    as_json = json.loads(client.get("/open311/v2/services/pothole.json").content)
    assert as_json["attributes"][0]["values"][1] == {"key": "large", "name": "Lớn"}
    missing = client.get("/open311/v2/services/ufo.json")
    assert missing.status_code == 404 and json.loads(missing.content)[0]["code"] == 404


def test_post_needs_a_valid_api_key(client, admin_units, categories):
    for key in (None, "gp_not-a-key"):
        data = {"service_code": "pothole", "lat": PHAN_RANG[1], "long": PHAN_RANG[0], "description": "x"}
        if key:
            data["api_key"] = key
        response = client.post("/open311/v2/requests.xml", data)
        assert response.status_code == 403
        error = ElementTree.fromstring(response.content)
        assert error.tag == "errors" and error.find("error").findtext("code") == "403"
        assert "api_key" in error.find("error").findtext("description")
    assert not Incident.objects.exists()


def test_post_creates_a_request_and_its_token_finds_it(client, admin_units, categories, dispatcher, token_for):
    key = token_for(dispatcher)
    response = client.post("/open311/v2/requests.json", {
        "api_key": key, "jurisdiction_id": "ninhthuan.gov.vn", "service_code": "pothole", "lat": PHAN_RANG[1],
        "long": PHAN_RANG[0], "description": "Hố sâu", "attribute[size]": "small", "first_name": "Lê",
        "last_name": "Văn C", "email": "c@example.org", "media_url": "http://169.254.169.254/latest/meta-data",
        "device_id": "abc"})
    assert response.status_code == 201, response.content
    [created] = json.loads(response.content)
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    incident = Incident.objects.get(tracking_code=created["service_request_id"])
    assert (incident.channel, incident.reporter_name, incident.attributes) == ("open311", "Lê Văn C", {"size": "small"})
    assert incident.media_url == "http://169.254.169.254/latest/meta-data"  # stored as text, never fetched
    assert incident.extra == {"device_id": "abc"}
    token = json.loads(client.get(f"/open311/v2/tokens/{incident.token}.json").content)
    assert token == [{"service_request_id": incident.tracking_code, "token": str(incident.token)}]
    one = ElementTree.fromstring(client.get(f"/open311/v2/requests/{incident.tracking_code}.xml").content)
    assert one[0].findtext("media_url") == "" and b"169.254" not in client.get("/open311/v2/requests.xml").content


@pytest.mark.parametrize(("data", "status", "words"), [
    ({"service_code": "ufo", "lat": PHAN_RANG[1], "long": PHAN_RANG[0]}, 404, "service_code"),
    ({"service_code": "pothole", "attribute[size]": "small", "description": "x"}, 400, "location"),
    ({"service_code": "pothole", "lat": 12.2388, "long": 109.1967, "attribute[size]": "small", "description": "x"},
     400, "Khánh Hòa"),
    ({"service_code": "pothole", "lat": PHAN_RANG[1], "long": PHAN_RANG[0], "description": "x"}, 400, "size"),
    ({"service_code": "pothole", "jurisdiction_id": "chicago.gov"}, 404, "jurisdiction_id"),
    # Refused whole, not cut short: the client learns its id was not kept as sent.
    ({"service_code": "pothole", "lat": PHAN_RANG[1], "long": PHAN_RANG[0], "attribute[size]": "small",
      "description": "x", "device_id": "d" * 201}, 400, "device_id"),
])
def test_post_errors_use_the_spec_format(client, admin_units, categories, dispatcher, token_for, data, status, words):
    response = client.post("/open311/v2/requests.json", {"api_key": token_for(dispatcher), **data})
    assert response.status_code == status, response.content
    [error] = json.loads(response.content)
    assert error["code"] == status and words in error["description"]
    assert not Incident.objects.exists()


def test_address_string_alone_is_placed_in_its_commune(client, admin_units, categories, dispatcher, token_for):
    response = client.post("/open311/v2/requests.json", {
        "api_key": token_for(dispatcher), "service_code": "water-leak", "description": "Rò nước",
        "address_string": "12 Thống Nhất, Phường Đô Vinh, Phan Rang-Tháp Chàm"})
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.commune.name == "Phường Đô Vinh"
    refused = client.post("/open311/v2/requests.json", {
        "api_key": token_for(dispatcher), "service_code": "water-leak", "description": "Rò nước",
        "address_string": "somewhere nice"})
    assert refused.status_code == 400


def test_get_filters_and_paging(client, admin_units, categories):
    made = [do_submit_incident(check_report(Report(category=c, description=f"r{i}", channel="web", lon=PHAN_RANG[0],
                                                   lat=PHAN_RANG[1], attributes={"size": "small"}
                                                   if c == "pothole" else {})))
            for i, c in enumerate(["pothole", "water-leak", "pothole"])]

    def ids(**params):
        return [r["service_request_id"] for r in json.loads(client.get("/open311/v2/requests.json", params).content)]

    newest_first = [m.tracking_code for m in reversed(made)]
    assert ids() == newest_first
    assert ids(service_code="water-leak") == [made[1].tracking_code]
    assert ids(service_request_id=f"{made[0].tracking_code},{made[2].tracking_code}", service_code="water-leak") == [
        made[2].tracking_code, made[0].tracking_code]
    assert ids(limit=1, offset=1) == newest_first[1:2]
    assert ids(status="closed") == []
    assert ids(start_date="2000-01-01T00:00:00+07:00", end_date="2000-02-01T00:00:00+07:00") == []
    for bad in ({"start_date": "yesterday"}, {"status": "pending"}, {"limit": "-1"}, {"limit": "5000"}):
        response = client.get("/open311/v2/requests.json", bad)
        assert response.status_code == 400 and json.loads(response.content)[0]["code"] == 400


def test_discovery(client):
    tree = ElementTree.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert tree.tag == "discovery"
    endpoint = tree.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    body = json.loads(client.get("/open311/v2/discovery.json").content)
    assert body["endpoints"][0]["url"].endswith("/open311/v2")


def test_photo_upload_through_open311_is_checked_like_any_other(client, admin_units, categories, dispatcher, token_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post("/open311/v2/requests.json", {
        "api_key": token_for(dispatcher), "service_code": "water-leak", "description": "Rò nước",
        "lat": PHAN_RANG[1], "long": PHAN_RANG[0], "media": SimpleUploadedFile("x.jpg", jpeg_bytes())})
    assert ok.status_code == 201
    bad = client.post("/open311/v2/requests.json", {
        "api_key": token_for(dispatcher), "service_code": "water-leak", "description": "Rò nước",
        "lat": PHAN_RANG[1], "long": PHAN_RANG[0], "media": SimpleUploadedFile("x.jpg", b"MZ" + b"\0" * 99)})
    assert bad.status_code == 415 and json.loads(bad.content)[0]["code"] == 415
