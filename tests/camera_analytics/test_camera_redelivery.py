"""A video analysis run delivered again after its worker died: a real worker killed mid-video, a new one completes
the run; a run that died after storing its results files only the vehicles still missing. Never a violation, an
hourly count or an incident twice."""

import os
import signal
import time

import pytest
from camera_helpers import CLIPS, frames_of, pairs_of, write_video
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from camera_analytics import runs, services
from camera_analytics.models import AnalysisRun, HourlyCount, Violation
from camera_analytics.storage import evidence_root
from camera_analytics.tasks import analyze_run
from fixtures.camera_clips import CLIPS as POSES
from incidents.models import Incident
from layers.models import Camera, Layer
from portal.session_locks import lock_keys

State = AnalysisRun.State


def _set_up(camera: Camera) -> Camera:
    pairs = [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat} for p in pairs_of("video03")]
    services.do_save_calibration(camera=camera, calibration=services.check_calibration(pairs, frame_size=(320, 240)))
    services.do_save_rules(camera=camera, rules=[*CLIPS["video03"]["rules"], *CLIPS["video03"]["lanes"]],
                           frame_size=(320, 240))
    return camera


def _clip(folder, name: str):
    """Five seconds of the overpass played backwards: four vehicles the wrong way, about ten seconds' analysis."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_video(frames_of("video03", 540, 840, every=2)[::-1], folder / name, fps=30.0)


def _filed_once(run: AnalysisRun) -> list[Incident]:
    violations = list(Violation.objects.filter(run=run))
    incidents = list(Incident.objects.filter(camera_violations__run=run).distinct())
    assert violations and all(v.incident_id for v in violations)
    assert len(incidents) == len({v.track_id for v in violations}) == run.summary["incidents"]
    tracks = [i.extra["track"] for i in incidents]
    assert len(tracks) == len(set(tracks))  # one incident per vehicle, none twice
    return incidents


def _vehicles_counted(camera: Camera) -> int:
    return HourlyCount.objects.filter(layer_id=camera.layer_id, camera_ext_id=camera.ext_id).aggregate(
        n=Sum("vehicles"))["n"] or 0


@pytest.mark.django_db
def test_a_run_that_died_after_storing_files_only_the_vehicles_still_missing(admin_units, make_camera, evidence_dirs,
                                                                             monkeypatch):
    camera = _set_up(make_camera("video03"))
    run = runs.do_start_analysis(camera=camera, source=_clip(evidence_dirs, "died.mp4"), queue=False)
    real_file_incident = runs.file_incident
    filed = []

    class WorkerDied(BaseException):
        """Not an Exception: nothing in the run catches it, as nothing runs after a SIGKILL."""

    def file_then_die(found, **kw):
        if filed:
            raise WorkerDied()
        filed.append(real_file_incident(found, **kw))
        return filed[-1]

    monkeypatch.setattr(runs, "file_incident", file_then_die)
    with pytest.raises(WorkerDied):
        runs.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (State.RUNNING, 1) and run.stored_at
    stored = set(Violation.objects.filter(run=run).values_list("pk", flat=True))
    counted = _vehicles_counted(camera)
    assert len({v.track_id for v in Violation.objects.filter(run=run)}) >= 2 and counted
    assert Incident.objects.filter(camera_violations__run=run).distinct().count() == 1

    # Delivered again: nothing is analysed, stored or counted again; the vehicles not filed yet are filed.
    monkeypatch.setattr(runs, "file_incident", real_file_incident)

    def no_second_analysis(*args, **kw):
        raise AssertionError("the video was analysed again")

    monkeypatch.setattr(runs, "analyze", no_second_analysis)
    run = runs.execute_run(run.pk)
    assert (run.status, run.attempts, run.error) == (State.DONE, 2, "")
    assert set(Violation.objects.filter(run=run).values_list("pk", flat=True)) == stored
    assert _vehicles_counted(camera) == counted
    assert filed[0] in _filed_once(run)
    # A third delivery of a finished run changes nothing.
    assert runs.execute_run(run.pk).attempts == 2


@pytest.mark.django_db
def test_a_run_held_by_another_session_is_left_and_one_whose_workers_keep_dying_fails(make_camera, evidence_dirs):
    import psycopg

    camera = _set_up(make_camera("video03"))
    run = runs.do_start_analysis(camera=camera, source=_clip(evidence_dirs, "held.mp4"), queue=False)
    cfg = connection.settings_dict
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
                         password=cfg["PASSWORD"] or None, dbname=cfg["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", lock_keys(runs.LOCK_SPACE, run.pk))
        left = runs.execute_run(run.pk)
    assert (left.status, left.attempts) == (State.QUEUED, 0)
    AnalysisRun.objects.filter(pk=run.pk).update(status=State.RUNNING, attempts=runs.max_attempts())
    run = runs.execute_run(run.pk)
    assert (run.status, run.error) == (State.FAILED, runs.STOPPED_ERROR)
    assert not Violation.objects.filter(run=run).exists()
    # A late duplicate of its task leaves a failed run as it is.
    again = runs.execute_run(run.pk)
    assert (again.status, again.attempts, again.error) == (State.FAILED, run.attempts, runs.STOPPED_ERROR)
    # Stopped after its results were stored, the run says its incidents may be incomplete.
    AnalysisRun.objects.filter(pk=run.pk).update(status=State.RUNNING, stored_at=timezone.now())
    assert runs.execute_run(run.pk).error == runs.STOPPED_FILING_ERROR


@pytest.mark.worker
@pytest.mark.faults
def test_a_worker_killed_mid_video_leaves_nothing_and_a_new_worker_completes_the_run(admin_units, committed,
                                                                                      spawn_worker):
    layer = Layer.objects.create(slug="camera-killed-test", kind="camera", title_vi="Camera (thử)",
                                 title_en="Cameras (test)", theme="cameras")
    committed.append(layer)  # deleted last: its cameras, setup, runs, violations and counts go with it
    pose = POSES["video03"]["pose"]
    camera = _set_up(Camera.objects.create(
        layer=layer, ext_id="CAM-K1", name="Camera thử (worker bị dừng)", kind="traffic",
        heading_deg=pose["heading_deg"], geom=Point(pose["lon"], pose["lat"], srid=4326)))
    path = _clip(evidence_root() / "private" / "clips", f"killed-{os.getpid()}.mp4")
    queue = f"video-kill-{os.getpid()}"
    try:
        run = runs.do_start_analysis(camera=camera, source=path, queue=False)
        worker = spawn_worker(queue)
        analyze_run.apply_async((run.pk,), queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == State.RUNNING and 0 < run.frames_done < (run.frames_total or 0):
                break
            assert run.status not in (State.DONE, State.FAILED), "the run ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail(f"the run never reported progress part-way: {run.status} {run.frames_done}")
        os.killpg(worker.pid, signal.SIGKILL)  # mid-video, as when the worker's machine dies
        worker.wait(timeout=10)
        _wait_for_the_lock_to_go(run)
        run.refresh_from_db()
        assert (run.status, run.attempts, run.stored_at) == (State.RUNNING, 1, None)
        assert not Violation.objects.filter(run=run).exists() and _vehicles_counted(camera) == 0

        # The message was never acknowledged: a new worker gets it again and analyses the clip whole.
        spawn_worker(queue, CELERY_VISIBILITY_TIMEOUT="3")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (State.DONE, State.FAILED):
                break
            time.sleep(0.3)
        incidents = list(Incident.objects.filter(camera_violations__run=run).distinct())
        committed.extend(incidents)
        assert (run.status, run.error, run.attempts) == (State.DONE, "", 2)
        assert run.frames_done == run.frames_total == 150
        _filed_once(run)
        counted = sum(c["vehicles"] for c in run.summary["counts"])
        assert counted and _vehicles_counted(camera) == counted  # counted once, not once per delivery
    finally:
        path.unlink(missing_ok=True)


def _wait_for_the_lock_to_go(run: AnalysisRun) -> None:
    """PostgreSQL notices the killed worker's connection drop and lets its lock on the run go."""
    space, key = lock_keys(runs.LOCK_SPACE, run.pk)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::bigint::oid "
                           "AND objid = %s AND objsubid = 2", [space % 2**32, key])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
    pytest.fail("the killed worker still holds the run")
