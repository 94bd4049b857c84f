"""A real Celery worker analyses a queued clip: the run reports its progress, stores the violations and files
the incidents, which the dispatch API then lists with the camera's channel."""

import os
import time

import pytest
from camera_helpers import CLIPS, frames_of, pairs_of, write_video
from django.contrib.gis.geos import Point
from django.db import connection

from camera_analytics import runs, services
from camera_analytics.models import AnalysisRun, Violation
from camera_analytics.storage import evidence_root
from fixtures.camera_clips import CLIPS as POSES
from incidents.models import Incident
from layers.models import Camera, Layer

# No django_db mark: `committed` writes for real, so the worker sees the rows; it removes them afterwards.
pytestmark = [pytest.mark.worker]


def test_a_worker_analyses_a_queued_clip_and_files_incidents(admin_units, committed, celery_worker):
    assert connection.settings_dict["NAME"].startswith("test")
    layer = Layer.objects.create(slug="camera-worker-test", kind="camera", title_vi="Camera (thử)",
                                 title_en="Cameras (test)", theme="cameras")
    committed.append(layer)  # deleted last: its cameras, setup, runs and violations go with it
    pose = POSES["video03"]["pose"]
    camera = Camera.objects.create(layer=layer, ext_id="CAM-W1", name="Camera thử (worker)", kind="traffic",
                                   heading_deg=pose["heading_deg"], geom=Point(pose["lon"], pose["lat"], srid=4326))
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
