"""One intake function for every channel: checks before writes, routing, deadline, first events, receipt."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from incident_helpers import AT_SEA, NHA_TRANG, PHAN_RANG, jpeg_bytes

from incidents.errors import NoLocation, OutsideProvince, TextTooLong, UnknownCategory
from incidents.intake import Report, check_report, do_submit_incident
from incidents.media_errors import ExecutableRefused, TruncatedImage
from incidents.models import CategoryAttribute, Incident, IncidentEvent, IncidentMedia, OutboxMessage, RoutingRule
from portal.errors import InvalidInput

pytestmark = pytest.mark.django_db


def _report(**kw) -> Report:
    base = {"category": "pothole", "description": "Ổ gà lớn giữa đường", "channel": "web", "lon": PHAN_RANG[0],
            "lat": PHAN_RANG[1], "attributes": {"size": "large"}}
    return Report(**{**base, **kw})


def test_a_web_report_is_located_given_a_deadline_and_queued_for_triage(admin_units, categories):
    incident = do_submit_incident(check_report(_report(reporter_email="dan@example.org")))
    incident.refresh_from_db()
    assert (incident.commune.name, incident.district.name, incident.province.name) == (
        "Phường Đô Vinh", "Thành phố Phan Rang-Tháp Chàm", "Ninh Thuận")
    assert incident.status == "submitted" and incident.agency is None  # no rule: IOC triage
    assert incident.deadline > incident.created_at
    assert incident.tracking_code.startswith("NT-") and len(incident.tracking_code) == 12
    assert [e.kind for e in incident.events.all()] == ["submitted"]
    receipt = OutboxMessage.objects.get(incident=incident)
    assert receipt.to == "dan@example.org" and incident.tracking_code in receipt.body
    assert incident.attributes == {"size": "large"}


def test_a_matching_rule_assigns_the_agency_at_intake(admin_units, categories, orgs):
    RoutingRule.objects.create(category=categories["pothole"], admin_unit=None, agency=orgs["roads"], priority=1)
    incident = do_submit_incident(check_report(_report()))
    assert incident.status == "assigned" and incident.agency == orgs["roads"]
    assert list(incident.events.values_list("kind", "from_status", "to_status", "agency")) == [
        ("submitted", "", "submitted", None), ("assigned", "submitted", "assigned", orgs["roads"].pk)]


@pytest.mark.parametrize(("change", "error", "field"), [
    ({"lon": None, "lat": None}, NoLocation, "location"),
    ({"lon": "abc"}, NoLocation, "location"),
    ({"lon": 200}, NoLocation, "location"),
    ({"category": "ufo"}, UnknownCategory, "category"),
    ({"category": ""}, InvalidInput, "category"),
    ({"description": "x" * 100_000}, TextTooLong, "description"),
    ({"description": "  \x00 "}, InvalidInput, "description"),
    ({"attributes": {}}, InvalidInput, "attribute[size]"),
    ({"attributes": {"size": "huge"}}, InvalidInput, "attribute[size]"),
    ({"attributes": {"size": "small", "colour": "red"}}, InvalidInput, "attribute[colour]"),
    ({"reporter_email": "not-an-email"}, InvalidInput, "reporter_email"),
    ({"reporter_phone": "<script>"}, InvalidInput, "reporter_phone"),
    ({"channel": "pigeon"}, InvalidInput, "channel"),
])
def test_bad_reports_are_refused_before_anything_is_stored(admin_units, categories, change, error, field):
    with pytest.raises(error) as caught:
        check_report(_report(**change))
    assert caught.value.field == field
    assert caught.value.http_status in (400, 404, 413, 415, 422)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("answer", ["nan", "inf", "-Infinity", "ba"])
def test_a_number_question_takes_finite_numbers_only(admin_units, categories, answer):
    CategoryAttribute.objects.create(category=categories["pothole"], code="depth", datatype="number",
                                     description="Độ sâu (cm)", order=2)
    with pytest.raises(InvalidInput) as caught:
        check_report(_report(attributes={"size": "small", "depth": answer}))
    assert caught.value.field == "attribute[depth]"
    assert not Incident.objects.exists()


def test_outside_the_province_the_refusal_names_the_place(admin_units, categories):
    with pytest.raises(OutsideProvince) as caught:
        check_report(_report(lon=NHA_TRANG[0], lat=NHA_TRANG[1]))
    assert "Khánh Hòa" in caught.value.user_msg and "Ninh Thuận" in caught.value.user_msg
    with pytest.raises(OutsideProvince, match="outside Việt Nam"):
        check_report(_report(lon=AT_SEA[0], lat=AT_SEA[1]))


def test_text_is_stored_as_typed_and_nul_bytes_are_dropped(admin_units, categories):
    text = "<script>alert(1)</script> Đường \x00Thống Nhất"
    incident = do_submit_incident(check_report(_report(description=text)))
    incident.refresh_from_db()
    assert incident.description == "<script>alert(1)</script> Đường Thống Nhất"


def test_photos_are_checked_at_intake_and_stored_privately(admin_units, categories, media_dir):
    photo = SimpleUploadedFile("anh.jpg", jpeg_bytes(), content_type="image/jpeg")
    incident = do_submit_incident(check_report(_report(), [photo]))
    media = IncidentMedia.objects.get(incident=incident)
    assert (media.kind, media.content_type, media.status, media.original_name) == (
        "photo", "image/jpeg", "pending", "anh.jpg")
    assert media.original.path.startswith(str(media_dir / "private"))
    assert media.original.read() == jpeg_bytes()


@pytest.mark.parametrize(("name", "data", "error"), [
    ("virus.jpg", b"MZ\x90\x00" + b"\x00" * 200, ExecutableRefused),
    ("cut.jpg", jpeg_bytes(size=(640, 480))[:1500], TruncatedImage),
])
def test_bad_files_refuse_the_whole_report(admin_units, categories, media_dir, name, data, error):
    good = SimpleUploadedFile("good.jpg", jpeg_bytes())
    with pytest.raises(error) as caught:
        check_report(_report(), [good, SimpleUploadedFile(name, data, content_type="image/jpeg")])
    assert name in caught.value.user_msg
    assert not Incident.objects.exists() and not IncidentMedia.objects.exists()
    assert not (media_dir / "private").exists() or not any((media_dir / "private").rglob("*.*"))


def test_a_failure_while_storing_leaves_no_row_and_no_file(admin_units, categories, media_dir, monkeypatch):
    import incidents.intake as intake

    def broken(media_ids):
        raise RuntimeError("media queue down")

    # After the incident, its events and its photo's row and file are written, inside the same transaction.
    monkeypatch.setattr(intake, "queue_processing", broken)
    checked = check_report(_report(), [SimpleUploadedFile("a.jpg", jpeg_bytes())])
    with pytest.raises(RuntimeError):
        do_submit_incident(checked)
    assert not Incident.objects.exists() and not IncidentEvent.objects.exists()
    assert not any((media_dir / "private").rglob("*.jpg"))
