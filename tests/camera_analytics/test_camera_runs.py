"""A run from clip to incidents: violations with their evidence and hashes (the still shows the vehicle's box, its
public copy blurs the plate), one incident per vehicle through the incident intake (channel camera), announced to
the live dispatch page and counted by camera and kind in the weekly report; hourly counts; and bad input refused
before anything is stored."""

import hashlib
import io
import json
import time
from datetime import UTC, date, datetime

import av
import cv2
import numpy as np
import pytest
import redis
from camera_helpers import CLIPS, clip_path, frames_of, pairs_of, write_video
from django.conf import settings

from camera_analytics import runs, services
from camera_analytics.core.evidence import LEGIBLE_WIDTH
from camera_analytics.core.video import read_frames
from camera_analytics.errors import AlreadyAnalysed, CameraAnalyticsError, NotCalibrated
from camera_analytics.models import AnalysisRun, CameraCalibration, HourlyCount, Violation, ViolationEvidence
from camera_analytics.tasks import analyze_stream_chunk
from geoprocessing.adapters import raw_connection
from incidents.changes import CHANNEL
from incidents.models import Incident, IncidentMedia
from layers.models import AdminUnit
from reports.areas import area_of_unit
from reports.figures import compute_figures
from reports.periods import Period

pytestmark = pytest.mark.django_db

RECORDED = datetime(2026, 11, 20, 1, 0, 0, tzinfo=UTC)  # 08:00 in Phan Rang


def _pairs(key: str, shift: tuple[float, float] = (0.0, 0.0)) -> list[dict]:
    return [{"u": p.u, "v": p.v, "lon": p.lon + shift[0], "lat": p.lat + shift[1]} for p in pairs_of(key)]


def _set_up(camera, key: str, *, extra: tuple = (), lanes: bool = True, shift=(0.0, 0.0)):
    clip = CLIPS[key]
    calibration = services.check_calibration(_pairs(key, shift), frame_size=clip["frame_size"])
    services.do_save_calibration(camera=camera, calibration=calibration)
    rules = [*clip["rules"], *(clip.get("lanes", []) if lanes else []), *extra]
    services.do_save_rules(camera=camera, rules=rules, frame_size=clip["frame_size"])
    camera.refresh_from_db()
    return camera


@pytest.fixture
def reversed_clip(evidence_dirs):
    """Three seconds of the overpass clip played backwards, at the 30 fps the pipeline reads it."""
    frames = frames_of("video03", 600, 780, every=2)[::-1]
    return write_video(frames, evidence_dirs / "nguoc-chieu.mp4", fps=30.0)


def _messages(pubsub, seconds: float = 1.0) -> list[dict]:
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # a None may only mean a subscribe confirmation was skipped
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            out.append(json.loads(message["data"]))
    return out


def _image(row: ViolationEvidence) -> np.ndarray:
    with row.file.open("rb") as handle:
        image = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, row.role
    return image.astype(int)


def _redness(image: np.ndarray) -> np.ndarray:
    return image[..., 2] - np.maximum(image[..., 0], image[..., 1])


def _sharpness(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


CAPTION_ROW = 215  # the caption is written along the still's bottom edge, below this row


def _box_on_the_still(violation: Violation, still: np.ndarray, clip) -> tuple[int, int, int, int]:
    """The box drawn on the still, found as where it differs from the clip's own frame; checked to be a red
    outline standing on the violation's foot point, with the picture unchanged inside and around it."""
    raw = next(iter(read_frames(clip, fps=30.0, start=violation.frame, stop=violation.frame + 1))).image.astype(int)
    assert raw.shape == still.shape
    diff = np.abs(still - raw).max(axis=2)
    ys, xs = np.nonzero(diff[:CAPTION_ROW] > 60)
    assert len(ys), "the still shows nothing the frame does not"
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
    assert abs(y1 - violation.pixel_v) <= 2 and abs((x0 + x1) / 2 - violation.pixel_u) <= 2  # the vehicle's foot
    outline = np.zeros(diff.shape, bool)
    outline[y0:y1 + 1, x0:x1 + 1] = True
    outline[y0 + 2:y1 - 1, x0 + 2:x1 - 1] = False
    assert _redness(still)[outline].mean() > 50 and _redness(raw)[outline].mean() < 20
    assert diff[y0 + 3:y1 - 2, x0 + 3:x1 - 2].mean() < 6  # inside the box: the frame itself
    elsewhere = np.ones(diff.shape, bool)
    elsewhere[y0 - 3:y1 + 4, x0 - 3:x1 + 4] = False
    elsewhere[CAPTION_ROW:] = False
    assert diff[elsewhere].mean() < 4
    return x0, y0, x1, y1


def _assert_public_still_blurs_the_plate(still: np.ndarray, public: np.ndarray, box: tuple[int, int, int, int]):
    """Where the evidence code puts a plate it did not find on a vehicle this wide (the lowest third of its box),
    the public copy is blurred; everywhere else it is the original."""
    x0, y0, x1, y1 = box
    assert x1 - x0 >= LEGIBLE_WIDTH, "a vehicle this close shows a readable plate"
    top = round(y1 - (y1 - y0) / 3)
    diff = np.abs(still - public).max(axis=2)
    band = (slice(top + 2, y1 - 1), slice(x0 + 2, x1 - 1))
    assert diff[band].mean() > 6
    assert _sharpness(public[band]) < 0.5 * _sharpness(still[band])
    near = np.zeros(diff.shape, bool)
    near[top - 12:y1 + 12, x0 - 12:x1 + 12] = True  # the blur's padding and JPEG's 8-pixel blocks
    assert diff[~near].mean() < 0.5 and np.percentile(diff[~near], 99.9) < 4


def test_a_clip_played_backwards_files_one_incident_per_vehicle(admin_units, make_camera, reversed_clip,
                                                                 dispatcher, django_capture_on_commit_callbacks):
    camera = _set_up(make_camera("video03"), "video03")
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(CHANNEL)
    run = runs.do_start_analysis(camera=camera, source=reversed_clip, recorded_at=RECORDED, user=dispatcher,
                                 queue=False)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.execute_run(run.pk)

    assert run.status == "done" and run.summary["frames_read"] == 90
    violations = list(Violation.objects.filter(run=run).order_by("track_id"))
    assert violations and {v.kind for v in violations} == {"wrong_way"}
    tracks = {v.track_id for v in violations}
    assert len(tracks) == len(violations)  # one per vehicle
    incidents = Incident.objects.filter(camera_violations__run=run).distinct()
    assert incidents.count() == len(tracks) == run.summary["incidents"]
    for violation in violations:
        incident = violation.incident
        assert incident.channel == "camera" and incident.category.code == "vi-pham-giao-thong"
        assert incident.geom.equals_exact(violation.geom, 1e-9)  # placed where the homography puts the vehicle
        assert incident.province.name == "Ninh Thuận"
        assert incident.extra["camera"] == camera.ext_id and incident.extra["track"] == violation.track_id
        assert "ngược chiều" in incident.description and camera.ext_id in incident.description
        assert incident.public is False  # it names a vehicle: handled, never listed publicly
        assert RECORDED <= violation.observed_at <= RECORDED.replace(second=4)
        # Evidence: originals private, public copies blurred, each stored with the SHA-256 of its bytes.
        evidence = {e.role: e for e in violation.evidence.all()}
        assert set(evidence) == {"still", "still_public", "clip", "clip_public"}
        for row in evidence.values():
            with row.file.open("rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == row.sha256
            assert ("/public/" in row.file.path) == row.public
        # The incident carries the still and the clip as its media: the same bytes, private originals.
        media = {m.kind: m for m in IncidentMedia.objects.filter(incident=incident)}
        assert media["photo"].sha256 == evidence["still"].sha256
        assert media["video"].sha256 == evidence["clip"].sha256
        # What the still shows: the frame of the violation with the vehicle's box; its public copy blurs the plate.
        still = _image(evidence["still"])
        box = _box_on_the_still(violation, still, reversed_clip)
        _assert_public_still_blurs_the_plate(still, _image(evidence["still_public"]), box)
    announced = {m["code"] for m in _messages(listener) if m["kind"] == "created"}
    # The dispatch map hears of each (pub/sub is server-wide: other test runs' incidents may be heard too).
    assert {i.tracking_code for i in incidents} <= announced
    listener.close()
    # The weekly report of the province counts them by camera and kind of violation.
    province = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    week = Period(date(2026, 11, 16), date(2026, 11, 22))
    figures = compute_figures(raw_connection(), area_of_unit(province), week, trend_periods=0)
    assert {(r.camera, r.violation): r.count for r in figures.camera} == {(camera.ext_id, "wrong_way"): len(tracks)}


def test_counts_are_kept_per_hour_line_direction_and_lane(make_camera, evidence_dirs):
    camera = make_camera("video03")
    services.do_save_rules(camera=camera, rules=[*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]],
                           frame_size=(320, 240))
    recorded = datetime(2026, 11, 20, 1, 59, 50, tzinfo=UTC)  # the clip's 28 s run past the hour
    run = runs.do_start_analysis(camera=camera, source=clip_path("video03"), recorded_at=recorded, queue=False,
                                 file_incidents=False)
    run = runs.execute_run(run.pk)
    rows = list(HourlyCount.objects.of_camera(camera))
    assert {r.hour for r in rows} == {datetime(2026, 11, 20, 1, tzinfo=UTC), datetime(2026, 11, 20, 2, tzinfo=UTC)}
    assert {(r.line, r.direction) for r in rows} <= {("overpass", "approaching"), ("overpass", "receding")}
    assert {r.lane for r in rows} <= {"lane-left", "lane-right", ""}
    assert sum(r.vehicles for r in rows) == sum(run.summary["by_direction"].values())
    assert abs(sum(r.vehicles for r in rows) - CLIPS["video03"]["counts"]["approaching"]) <= 4


def test_the_same_clip_is_not_analysed_twice(make_camera, evidence_dirs):
    camera = make_camera("video02")
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    first = runs.do_start_analysis(camera=camera, source=clip_path("video02"), queue=False, stop=100)
    runs.execute_run(first.pk)
    with pytest.raises(AlreadyAnalysed):
        runs.do_start_analysis(camera=camera, source=clip_path("video02"), queue=False, stop=100)
    assert AnalysisRun.objects.filter(camera=camera).count() == 1
    again = runs.do_start_analysis(camera=camera, source=clip_path("video02"), queue=False, stop=100, again=True)
    assert again.pk != first.pk


def test_placed_outside_the_province_a_violation_is_kept_without_an_incident(admin_units, make_camera,
                                                                            reversed_clip):
    # The same clip, calibrated as if the camera stood at sea.
    camera = _set_up(make_camera("video03", geom="SRID=4326;POINT(110.5 12.0)"), "video03",
                     shift=(110.5 - 108.9887, 12.0 - 11.5664))
    run = runs.execute_run(runs.do_start_analysis(camera=camera, source=reversed_clip, queue=False).pk)
    violations = list(Violation.objects.filter(run=run))
    assert violations and all(v.incident is None and v.incident_error for v in violations)
    assert run.status == "done" and run.summary["incidents"] == 0
    assert ViolationEvidence.objects.filter(violation__run=run).count() == 4 * len(violations)


def _audio_only_mp4() -> bytes:
    buf = io.BytesIO()
    out = av.open(buf, "w", format="mp4")
    stream = out.add_stream("aac", rate=8000)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
    frame.sample_rate = 8000
    for i in range(8):
        frame.pts = i * 1024
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buf.getvalue()


@pytest.mark.parametrize("name, content, code", [
    ("notes.mp4", b"this is not a video at all\n" * 100, "video_unreadable"),
    ("empty.avi", b"", "video_unreadable"),
    ("cut.avi", 1024, "video_unreadable"),  # the first kilobyte of a real clip: not even its header whole
    ("header.avi", 2048, "video_without_frames"),  # its header and index, but no frame's data
    ("audio.mp4", _audio_only_mp4(), "video_without_frames"),
])
def test_bad_videos_are_refused_and_nothing_is_created(make_camera, evidence_dirs, name, content, code):
    camera = make_camera("video03")
    path = evidence_dirs / name
    path.write_bytes(clip_path("video02").read_bytes()[:content] if isinstance(content, int) else content)
    with pytest.raises(CameraAnalyticsError) as caught:
        runs.do_start_analysis(camera=camera, source=path, queue=False)
    assert caught.value.code == code
    assert caught.value.user_msg and caught.value.field == "file" and caught.value.http_status == 422
    assert not AnalysisRun.objects.exists() and not Violation.objects.exists()


def test_a_missing_file_is_refused(make_camera, evidence_dirs):
    with pytest.raises(CameraAnalyticsError) as caught:
        runs.do_start_analysis(camera=make_camera(), source=evidence_dirs / "nowhere.mp4", queue=False)
    assert caught.value.code == "video_unreadable" and "nowhere.mp4" in caught.value.user_msg
    assert not AnalysisRun.objects.exists()


def test_videos_are_read_only_from_the_portals_directories(make_camera, evidence_dirs, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "clip.avi"
    elsewhere.write_bytes(clip_path("video02").read_bytes())
    with pytest.raises(CameraAnalyticsError, match="portal's own directories"):
        runs.do_start_analysis(camera=make_camera(), source=elsewhere, queue=False)
    assert not AnalysisRun.objects.exists()


@pytest.mark.parametrize("pairs", [
    [],  # fewer than four
    [{"u": 10 + 50 * i, "v": 200 - 20 * i, "lon": 108.99 + 1e-5 * i, "lat": 11.56 + 2e-5 * i} for i in range(5)],
])
def test_a_degenerate_calibration_is_refused_and_nothing_is_saved(make_camera, pairs):
    camera = make_camera()
    with pytest.raises(CameraAnalyticsError) as caught:
        services.check_calibration(pairs, frame_size=(320, 240))
    assert caught.value.code == "degenerate_calibration" and caught.value.http_status == 422
    assert not CameraCalibration.objects.of_camera(camera).exists()


def test_violation_rules_without_a_calibration_cannot_file_incidents(make_camera, evidence_dirs):
    camera = make_camera()
    services.do_save_rules(camera=camera, rules=CLIPS["video03"]["lanes"], frame_size=(320, 240))
    with pytest.raises(NotCalibrated):
        runs.do_start_analysis(camera=camera, source=clip_path("video03"), queue=False)
    assert not AnalysisRun.objects.exists()


def test_a_stream_chunk_delivered_again_takes_up_its_own_run(make_camera, evidence_dirs):
    """The chunk's worker died after making its run: the same task delivered again finishes that run, and no
    second run starts beside one left running."""
    camera = make_camera("video02", stream_url=str(clip_path("video02")))
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    left = runs.do_start_stream_chunk(camera=camera, seconds=2, queue=False, file_incidents=False,
                                      task_id="chunk-7")
    AnalysisRun.objects.filter(pk=left.pk).update(status=AnalysisRun.State.RUNNING)
    assert analyze_stream_chunk.apply(args=(camera.pk, 2, False), task_id="chunk-7").get() == "done"
    assert list(AnalysisRun.objects.values_list("pk", "status")) == [(left.pk, "done")]
    # Another chunk (another task) is a run of its own.
    assert analyze_stream_chunk.apply(args=(camera.pk, 2, False), task_id="chunk-8").get() == "done"
    assert AnalysisRun.objects.count() == 2


def test_a_stream_chunk_is_read_for_its_seconds(make_camera, evidence_dirs):
    # A camera whose "stream" is a file in the shared data: OpenCV reads both the same way.
    camera = make_camera("video02", stream_url=str(clip_path("video02")))
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    run = runs.do_start_stream_chunk(camera=camera, seconds=2, queue=False, file_incidents=False)
    run = runs.execute_run(run.pk)
    assert run.status == "done" and run.source_kind == "stream" and run.summary["frames_read"] > 0
    assert "rtsp" not in json.dumps(runs_out := {"summary": run.summary}) and runs_out
