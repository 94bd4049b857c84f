"""The API at /api/cameras/ through the whole NinjaAPI: rights, the reference frame, calibration (checked, then
saved), rules (all or none), clip uploads, stream chunks queued for a worker, violations with their evidence files,
hourly counts; bad input is a 4xx with a reason and changes nothing."""

import hashlib

import cv2
import pytest
from camera_helpers import CLIPS, clip_path, frames_of, pairs_of, write_video
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from camera_analytics import runs, services
from camera_analytics.models import AnalysisRun, CameraCalibration, CameraRule, HourlyCount
from camera_analytics.storage import evidence_root

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _png(frame) -> bytes:
    ok, data = cv2.imencode(".png", frame)
    assert ok
    return data.tobytes()


PAIRS = [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat} for p in pairs_of("video03")]


def test_only_staff_with_the_right_role_see_or_change_a_camera(make_camera, steward, dispatcher, citizen):
    camera = make_camera()
    url = f"/api/cameras/{camera.pk}"
    assert _client().get(url).status_code == 401
    assert _client(citizen).get(url).status_code == 404  # the camera layer is internal: not even its existence
    assert _client(dispatcher).get(url).status_code == 200
    body = _client(steward).get(url).json()
    assert body["ext_id"] == camera.ext_id and body["calibration"] is None and body["rules"]["rules"] == []
    assert "stream_url" not in body and "rtsp" not in str(body)
    # Dispatchers review; only the camera layer's stewards set cameras up.
    response = _client(dispatcher).put(f"{url}/rules", {"rules": []}, content_type="application/json")
    assert response.status_code == 403


def test_a_frame_then_pairs_checked_then_saved(make_camera, steward, evidence_dirs):
    camera = make_camera()
    client = _client(steward)
    frame = frames_of("video03", 800, 801)[0].image
    response = client.post(f"/api/cameras/{camera.pk}/view", {"file": SimpleUploadedFile("f.png", _png(frame))})
    assert response.status_code == 200, response.content
    view = response.json()
    assert (view["width"], view["height"]) == (320, 240)
    image = client.get(view["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert _client().get(view["url"]).status_code in (302, 403)

    checked = client.post(f"/api/cameras/{camera.pk}/calibration/check", {"pairs": PAIRS},
                          content_type="application/json").json()
    assert checked["saved"] is False and checked["max_m"] < 0.5 and checked["round_trip_max_m"] < 0.5
    assert len(checked["pairs"]) == 9 and all(p["error_m"] < 0.5 for p in checked["pairs"])
    assert len(checked["footprint"]) > 4  # the ground the frame covers, for the map
    assert not CameraCalibration.objects.of_camera(camera).exists()
    saved = client.put(f"/api/cameras/{camera.pk}/calibration", {"pairs": PAIRS}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["saved"] is True
    stored = CameraCalibration.objects.of_camera(camera).get()
    assert stored.rms_m == pytest.approx(checked["rms_m"], abs=1e-4) and len(stored.pairs) == 9
    assert client.get(f"/api/cameras/{camera.pk}").json()["calibration"]["rms_m"] == pytest.approx(stored.rms_m)


@pytest.mark.parametrize("pairs, field", [
    (PAIRS[:3], "pairs"),
    ([{**p, "u": 10 + 40 * i, "v": 200 - 10 * i} for i, p in enumerate(PAIRS[:5])], "pairs"),
    ([{**PAIRS[0], "u": 999}, *PAIRS[1:4]], "pairs[0]"),
])
def test_a_degenerate_calibration_is_a_422_and_the_old_one_stays(make_camera, steward, pairs, field):
    camera = make_camera()
    client = _client(steward)
    client.put(f"/api/cameras/{camera.pk}/calibration", {"pairs": PAIRS, "frame_width": 320, "frame_height": 240},
               content_type="application/json")
    before = CameraCalibration.objects.of_camera(camera).get()
    response = client.put(f"/api/cameras/{camera.pk}/calibration",
                          {"pairs": pairs, "frame_width": 320, "frame_height": 240}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] in ("degenerate_calibration", "outside_frame") and body["errors"][0]["field"] == field
    assert body["message"]
    after = CameraCalibration.objects.of_camera(camera).get()
    assert after.matrix == before.matrix and after.updated_at == before.updated_at


def test_a_calibration_needs_the_frame_size(make_camera, steward):
    response = _client(steward).put(f"/api/cameras/{make_camera().pk}/calibration", {"pairs": PAIRS},
                                    content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "no_frame"


def test_rules_are_replaced_all_or_none(make_camera, steward):
    camera = make_camera()
    client = _client(steward)
    rules = [*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]]
    response = client.put(f"/api/cameras/{camera.pk}/rules", {"rules": rules, "frame_width": 320,
                                                              "frame_height": 240}, content_type="application/json")
    assert response.status_code == 200 and len(response.json()["rules"]) == 3
    bad = [*rules, {"kind": "no_stopping", "name": "z", "points": [[0, 0], [10, 0]], "seconds": 10}]
    response = client.put(f"/api/cameras/{camera.pk}/rules", {"rules": bad, "frame_width": 320, "frame_height": 240},
                          content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rules[3].points"
    assert CameraRule.objects.of_camera(camera).count() == 3
    assert [r["name"] for r in client.get(f"/api/cameras/{camera.pk}/rules").json()["rules"]] == [
        "overpass", "lane-left", "lane-right"]


def test_a_clip_upload_is_checked_then_queued(make_camera, dispatcher, evidence_dirs):
    camera = make_camera("video02")
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    client = _client(dispatcher)
    clip = SimpleUploadedFile("cam.avi", clip_path("video02").read_bytes())
    response = client.post(f"/api/cameras/{camera.pk}/analyses",
                           {"file": clip, "recorded_at": "2026-11-20T08:00:00+07:00", "stop": "200"})
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued" and run["frames_total"] == 200 and run["source_name"] == "cam.avi"
    stored = AnalysisRun.objects.get(pk=run["id"])
    assert stored.upload.name.startswith("clips/") and stored.source_sha256 == hashlib.sha256(
        clip_path("video02").read_bytes()).hexdigest()
    assert client.get(f"/api/cameras/runs/{run['id']}").json()["id"] == run["id"]


@pytest.mark.parametrize("name, data, status, code", [
    ("notes.avi", b"plain text, not a video\n" * 50, 415, "unsupported_media_type"),
    ("photo.png", None, 422, "not_a_video"),
    ("empty.mp4", b"", 422, "video_unreadable"),
    ("header.avi", 2048, 422, "video_without_frames"),
])
def test_a_bad_clip_upload_is_refused_and_nothing_is_kept(make_camera, dispatcher, evidence_dirs, name, data,
                                                          status, code):
    camera = make_camera("video02")
    if data is None:
        data = _png(frames_of("video02", 0, 1)[0].image)
    elif isinstance(data, int):
        data = clip_path("video02").read_bytes()[:data]
    response = _client(dispatcher).post(f"/api/cameras/{camera.pk}/analyses",
                                        {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]
    assert not AnalysisRun.objects.exists()
    clips = evidence_root() / "private" / "clips"
    assert not clips.exists() or not any(p.is_file() for p in clips.rglob("*"))


def test_a_stream_chunk_is_queued_for_a_worker(make_camera, steward, dispatcher, monkeypatch,
                                               django_capture_on_commit_callbacks):
    camera = make_camera("video02")
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    queued = []
    monkeypatch.setattr("camera_analytics.tasks.analyze_run.delay", queued.append)
    url = f"/api/cameras/{camera.pk}/stream-chunks"
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(steward).post(url, {"seconds": 30, "file_incidents": False},
                                         content_type="application/json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued" and run["source_kind"] == "stream" and run["camera_ext_id"] == camera.ext_id
    assert "rtsp" not in response.content.decode() and "10.58.20.9" not in response.content.decode()
    assert queued == [run["id"]]  # once committed, one task for the chunk
    stored = AnalysisRun.objects.get(pk=run["id"])
    assert stored.max_seconds == 30 and stored.file_incidents is False and stored.source == camera.stream_url
    assert _client(steward).get(f"/api/cameras/runs/{run['id']}").json()["status"] == "queued"


@pytest.mark.parametrize("body", [{"seconds": 0}, {"seconds": 3601}, {"seconds": "a minute"}])
def test_a_bad_stream_chunk_is_refused_and_nothing_is_queued(make_camera, steward, body):
    camera = make_camera("video02")
    response = _client(steward).post(f"/api/cameras/{camera.pk}/stream-chunks", body,
                                     content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "seconds" and response.json()["message"]
    assert not AnalysisRun.objects.exists()


def test_a_stream_chunk_needs_a_stream_and_a_steward(make_camera, steward, dispatcher):
    without = make_camera("video02", ext_id="CAM-no-stream", stream_url="")
    response = _client(steward).post(f"/api/cameras/{without.pk}/stream-chunks", {"seconds": 10},
                                     content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "stream_not_allowed"
    assert response.json()["errors"][0]["field"] == "camera"
    # Dispatchers review what cameras found; reading a camera's stream is the stewards' setup.
    camera = make_camera("video03")
    response = _client(dispatcher).post(f"/api/cameras/{camera.pk}/stream-chunks", {"seconds": 10},
                                        content_type="application/json")
    assert response.status_code == 403
    assert not AnalysisRun.objects.exists()


def test_violations_with_evidence_and_counts(admin_units, make_camera, dispatcher, citizen, steward, evidence_dirs):
    camera = make_camera("video03")
    services.do_save_calibration(camera=camera, calibration=services.check_calibration(PAIRS, frame_size=(320, 240)))
    services.do_save_rules(camera=camera, rules=[*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]],
                           frame_size=(320, 240))
    path = write_video(frames_of("video03", 600, 720, every=2)[::-1], evidence_dirs / "rev.mp4", fps=30.0)
    run = runs.execute_run(runs.do_start_analysis(camera=camera, source=path, queue=False).pk)
    client = _client(dispatcher)
    listed = client.get(f"/api/cameras/{camera.pk}/violations?kind=wrong_way").json()
    assert listed and all(v["kind"] == "wrong_way" and v["incident"] for v in listed)
    detail = client.get(f"/api/cameras/violations/{listed[0]['id']}").json()
    assert {e["role"] for e in detail["evidence"]} == {"still", "still_public", "clip", "clip_public"}
    original = next(e for e in detail["evidence"] if e["role"] == "clip")
    response = client.get(original["url"])
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert hashlib.sha256(body).hexdigest() == original["sha256"] == response["X-Content-SHA256"]
    assert "no-store" in response["Cache-Control"]
    assert _client(citizen).get(original["url"]).status_code == 403
    assert client.get(f"/api/cameras/{camera.pk}/violations?kind=flying").status_code == 422

    counts = _client(steward).get(f"/api/cameras/{camera.pk}/counts").json()
    assert sum(c["vehicles"] for c in counts) == sum(run.summary["by_direction"].values()) > 0
    assert sum(c.vehicles for c in HourlyCount.objects.of_camera(camera)) == sum(c["vehicles"] for c in counts)
    assert _client(citizen).get(f"/api/cameras/{camera.pk}/counts").status_code == 404


def test_the_openapi_document_lists_the_camera_endpoints():
    schema = _client().get("/api/openapi.json").json()
    paths = [p for p in schema["paths"] if p.startswith("/api/cameras/")]
    assert "/api/cameras/{camera_id}/calibration" in paths and "/api/cameras/{camera_id}/analyses" in paths
