"""Camera set-up and evidence in the audit log: calibration and rules saved, and every look at a violation's
original evidence (plates readable), not at its blurred copy; refusals write nothing."""

import pytest
from camera_helpers import CLIPS, pairs_of
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from camera_analytics.models import AnalysisRun, Violation, ViolationEvidence
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

PAIRS = [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat} for p in pairs_of("video03")]
SIZE = {"frame_width": 320, "frame_height": 240}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saving_a_calibration_and_rules_is_logged(make_camera, steward):
    camera = make_camera()
    client = _client(steward)
    saved = client.put(f"/api/cameras/{camera.pk}/calibration", {"pairs": PAIRS, **SIZE},
                       content_type="application/json", REMOTE_ADDR="10.6.6.6")
    assert saved.status_code == 200, saved.content
    rules = [*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]]
    assert client.put(f"/api/cameras/{camera.pk}/rules", {"rules": rules, **SIZE},
                      content_type="application/json").status_code == 200
    calibrated, ruled = AuditEvent.objects.order_by("id")
    key = f"{camera.layer_id}:{camera.ext_id}"
    assert (calibrated.actor, calibrated.action, calibrated.object_type, calibrated.object_id, calibrated.ip) == (
        steward, "camera_calibration_saved", "camera", key, "10.6.6.6")
    assert calibrated.details["pairs"] == 9 and calibrated.details["max_m"] == pytest.approx(saved.json()["max_m"],
                                                                                              abs=1e-3)
    assert (ruled.action, ruled.object_id) == ("camera_rules_saved", key)
    assert [rule["kind"] for rule in ruled.details["rules"]] == [rule["kind"] for rule in rules]


def test_refused_set_ups_write_nothing(make_camera, steward, dispatcher):
    camera = make_camera()
    assert _client(steward).put(f"/api/cameras/{camera.pk}/calibration", {"pairs": PAIRS[:3], **SIZE},
                                content_type="application/json").status_code == 422
    assert _client(dispatcher).put(f"/api/cameras/{camera.pk}/rules", {"rules": [], **SIZE},
                                   content_type="application/json").status_code == 403
    assert not AuditEvent.objects.exists()


@pytest.fixture
def evidence(make_camera, evidence_dirs):
    camera = make_camera()
    run = AnalysisRun(camera=camera, source="clip.mp4", recorded_at=timezone.now(), status="done")
    run.set_camera(camera)
    run.save()
    violation = Violation(run=run, camera=camera, kind="wrong_way", rule="overpass", track_id=7, frame=12,
                          observed_at=timezone.now(), pixel_u=10, pixel_v=20)
    violation.set_camera(camera)
    violation.save()
    rows = {}
    for role, public in (("still", False), ("still_public", True)):
        row = ViolationEvidence(violation=violation, role=role, public=public, sha256="0" * 64, size_bytes=4,
                                content_type="image/jpeg")
        (row.public_copy if public else row.original).save(f"{role}.jpg", ContentFile(b"jpeg"), save=False)
        row.save()
        rows[role] = row
    return rows


def test_each_look_at_an_original_is_logged_and_the_blurred_copy_is_not(evidence, dispatcher, citizen):
    client = _client(dispatcher)
    original, blurred = evidence["still"], evidence["still_public"]
    for _ in range(2):
        response = client.get(f"/cameras/evidence/{original.pk}", REMOTE_ADDR="10.7.7.7")
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"jpeg"
    assert b"".join(client.get(f"/cameras/evidence/{blurred.pk}").streaming_content) == b"jpeg"
    rows = list(AuditEvent.objects.personal_data_views())
    assert len(rows) == 2  # every look at the original, none at the copy
    assert {(r.actor, r.action, r.object_type, r.object_id, r.ip) for r in rows} == {
        (dispatcher, "violation_evidence_viewed", "violation", str(original.violation_id), "10.7.7.7")}
    assert rows[0].details == {"evidence": original.pk, "role": "still", "sha256": "0" * 64}
    assert _client(citizen).get(f"/cameras/evidence/{original.pk}").status_code == 403
    assert Client().get(f"/cameras/evidence/{original.pk}").status_code in (302, 403)
    assert AuditEvent.objects.count() == 2
