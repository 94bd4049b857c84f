"""A real Celery worker analyses camera video: a queued clip (the run reports its progress, stores the violations
and files the incidents, which the dispatch API then lists with the camera's channel), and a chunk of a camera's
stream, a task of its own (`analyze_stream_chunk`, what a beat entry or a caller sends once per chunk)."""

import os
import time

import pytest
from camera_helpers import CLIPS, clip_path, frames_of, pairs_of, write_video
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.utils import timezone

from camera_analytics import runs, services
from camera_analytics.incident_bridge import CATEGORY
from camera_analytics.models import AnalysisRun, HourlyCount, Violation
from camera_analytics.storage import evidence_root
from camera_analytics.tasks import analyze_stream_chunk
from fixtures.camera_clips import CLIPS as POSES
from incidents.models import Incident
from layers.models import Camera, Layer
from portal.accounts.models import User
from portal.accounts.roles import sync_roles

# No django_db mark: `committed` writes for real, so the worker sees the rows; it removes them afterwards.
pytestmark = [pytest.mark.worker]


def _camera(committed, slug: str, ext_id: str, **fields) -> Camera:
    assert connection.settings_dict["NAME"].startswith("test")
    layer = Layer.objects.create(slug=slug, kind="camera", title_vi="Camera (thử)", title_en="Cameras (test)",
                                 theme="cameras")
    committed.append(layer)  # deleted last: its cameras, setup, runs, violations and counts go with it
    pose = POSES["video03"]["pose"]
    return Camera.objects.create(layer=layer, ext_id=ext_id, name=f"Camera thử ({ext_id})", kind="traffic",
                                 heading_deg=pose["heading_deg"], geom=Point(pose["lon"], pose["lat"], srid=4326),
                                 **fields)


def _dispatcher(committed) -> Client:
    sync_roles()
    user = User.objects.create_user("cam-worker-dispatcher", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="dispatcher"))
    committed.append(user)
    client = Client()
    client.force_login(user)
    return client


def test_a_worker_analyses_a_queued_clip_and_files_incidents(admin_units, committed, celery_worker):
    camera = _camera(committed, "camera-worker-test", "CAM-W1")
    pairs = [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat} for p in pairs_of("video03")]
    services.do_save_calibration(camera=camera, calibration=services.check_calibration(pairs, frame_size=(320, 240)))
    services.do_save_rules(camera=camera, rules=[*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]],
                           frame_size=(320, 240))
    clips = evidence_root() / "private" / "clips"  # where the workers read uploaded clips from
    clips.mkdir(parents=True, exist_ok=True)
    path = write_video(frames_of("video03", 600, 780, every=2)[::-1], clips / f"worker-{os.getpid()}.mp4", fps=30.0)
    try:
        run = runs.do_start_analysis(camera=camera, source=path)  # queued on commit: at once, outside a transaction
        deadline = time.monotonic() + 180
        seen_progress = False
        while time.monotonic() < deadline:
            run.refresh_from_db()
            seen_progress |= 0 < run.frames_done < (run.frames_total or 0)
            if run.status in (AnalysisRun.State.DONE, AnalysisRun.State.FAILED):
                break
            time.sleep(0.2)
        assert run.status == AnalysisRun.State.DONE, run.error
        assert run.frames_done == run.frames_total == 90
        violations = list(Violation.objects.filter(run=run))
        incidents = list(Incident.objects.filter(camera_violations__run=run).distinct())
        committed.extend(incidents)
        assert violations and len(incidents) == len({v.track_id for v in violations})
        assert all(i.channel == "camera" and i.extra["camera"] == "CAM-W1" for i in incidents)
        assert seen_progress or run.frames_total <= 30  # a run this short may finish between two looks
    finally:
        path.unlink(missing_ok=True)

    # The dispatcher's live map lists them as the camera's, where the homography put them.
    client = _dispatcher(committed)
    ids = ",".join(str(i.pk) for i in incidents)
    feed = client.get("/api/dispatch/incidents", {"channel": "camera", "ids": ids})
    assert feed.status_code == 200, feed.content
    listed = {f["properties"]["code"]: f for f in feed.json()["features"]}
    assert set(listed) == {i.tracking_code for i in incidents}
    for incident in incidents:
        feature = listed[incident.tracking_code]
        assert feature["properties"]["channel"] == "camera" and feature["properties"]["category"] == CATEGORY
        assert feature["geometry"]["coordinates"] == [round(incident.geom.x, 6), round(incident.geom.y, 6)]
    assert client.get("/api/dispatch/incidents", {"channel": "web", "ids": ids}).json()["features"] == []


def test_a_stream_chunk_is_a_task_of_its_own_on_the_worker(committed, celery_worker):
    # The camera's "stream" is a clip of the shared data: OpenCV reads both the same way.
    camera = _camera(committed, "camera-stream-test", "CAM-S1", stream_url=str(clip_path("video02")))
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    asked = timezone.now()
    result = analyze_stream_chunk.delay(f"camera-stream-test:{camera.ext_id}", seconds=2, file_incidents=False)
    assert result.get(timeout=120) == AnalysisRun.State.DONE
    run = AnalysisRun.objects.of_camera(camera).get()
    assert run.source_kind == AnalysisRun.Source.STREAM and run.status == AnalysisRun.State.DONE
    assert run.max_seconds == 2 and run.recorded_at >= asked  # a stream is recorded when it is read
    assert run.summary["frames_read"] > 0 and not Violation.objects.filter(run=run).exists()
    counted = sum(c.vehicles for c in HourlyCount.objects.of_camera(camera))
    assert counted == sum(run.summary["by_direction"].values())

    # A camera without a stream: the task fails with the reason and nothing is stored.
    bare = Camera.objects.create(layer=camera.layer, ext_id="CAM-S2", name="Camera thử (không luồng)",
                                 kind="traffic", heading_deg=camera.heading_deg, geom=camera.geom)
    failed = analyze_stream_chunk.delay(bare.pk, seconds=2)
    failed.get(timeout=60, propagate=False)
    assert failed.state == "FAILURE" and "no stream address" in str(failed.result)
    assert not AnalysisRun.objects.of_camera(bare).exists()
