"""Analysis runs: started (checked first: a bad video or setup creates nothing), run on a worker, stored.

A run's results are stored in one transaction at its end (violations, evidence, hourly counts), so a
run that fails, or a worker that dies, leaves nothing half-written; then each vehicle's violations
become one incident through the intake, each in a transaction of its own. A run delivered again after its
worker died (the task is acknowledged late) analyses the video again only if nothing was stored, and
otherwise files just the vehicles still missing: nothing is stored, counted or filed twice.
"""

import hashlib
import logging
import shutil
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from layers.models import Camera
from portal.errors import PortalError
from portal.session_locks import session_lock

from .core.calibration import Calibration
from .core.errors import AnalyticsError
from .core.pipeline import PipelineOptions, analyze
from .core.records import AnalysisResult
from .core.rules import RuleSet
from .core.video import VideoInfo, is_stream, probe
from .errors import AlreadyAnalysed, CameraAnalyticsError, NotCalibrated, StreamNotAllowed, core_errors
from .incident_bridge import file_incident
from .models import AnalysisRun, Violation, ViolationEvidence
from .services import calibration_of, camera_of, rules_of
from .storage import evidence_root

LOCK_SPACE = "camera_analytics.run"
STOPPED_ERROR = ("The run was started several times and its worker stopped each time (killed, out of memory); "
                 "nothing of it was stored.")
STOPPED_FILING_ERROR = ("The run's results are stored, but its worker stopped each time it filed their incidents "
                        "(killed, out of memory); some vehicles may have no incident.")
# A run in one of these states is not run again, whoever delivers it (a late duplicate of its task).
FINISHED = frozenset({AnalysisRun.State.DONE, AnalysisRun.State.FAILED})

__all__ = ["check_source", "check_setup", "do_start_analysis", "do_start_stream_chunk", "execute_run",
           "file_sha256", "allowed_dirs", "recorded_at_of", "max_attempts", "LOCK_SPACE", "STOPPED_ERROR"]

log = logging.getLogger(__name__)
State = AnalysisRun.State

_COUNT_SQL = """
    INSERT INTO camera_analytics_hourlycount (layer_id, camera_ext_id, hour, line, direction, lane, vehicles)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT ON CONSTRAINT hourlycount_unique
    DO UPDATE SET vehicles = camera_analytics_hourlycount.vehicles + EXCLUDED.vehicles
"""


def allowed_dirs() -> list[Path]:
    """Local directories a worker may read videos from (uploads land in the first one)."""
    extra = [Path(p) for p in getattr(settings, "CAMERA_ANALYTICS_VIDEO_DIRS", [])]
    return [evidence_root() / "private" / "clips", *extra, Path(settings.SHARED_DATA_DIR) / "video"]


def _check_path(source: str) -> None:
    if is_stream(source):
        return
    path = Path(source).resolve()
    if not any(path.is_relative_to(d.resolve()) for d in allowed_dirs()):
        raise StreamNotAllowed("Videos are read only from the portal's own directories or a camera stream "
                               "(rtsp, http).", field="file")


def check_source(source: str | Path, *, fps: float | None = None) -> VideoInfo:
    with core_errors():
        return probe(source, fps=fps)


def check_setup(camera: Camera, *, file_incidents: bool) -> tuple[RuleSet, Calibration | None]:
    """The camera's rules and calibration; violations to file need a calibration to place them."""
    calibration = calibration_of(camera)
    core_calibration = calibration.as_core() if calibration is not None else None
    size = core_calibration.frame_size if core_calibration else None
    rules = rules_of(camera, frame_size=size)
    judged = rules.lanes or rules.zones or rules.limits or rules.stop_lines
    if core_calibration is None and (rules.needs_ground or (judged and file_incidents)):
        raise NotCalibrated()
    return rules, core_calibration


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _queue(run: AnalysisRun) -> None:
    from .tasks import analyze_run

    transaction.on_commit(lambda: analyze_run.delay(run.pk))


def do_start_analysis(*, camera: Camera, source: str | Path, recorded_at: datetime | None = None, user=None,
                      start: int = 0, stop: int | None = None, file_incidents: bool = True, again: bool = False,
                      queue: bool = True, fps: float | None = None, source_name: str = "",
                      upload_name: str = "", any_path: bool = False) -> AnalysisRun:
    """A run of a video file, checked and stored; queued for a worker once committed (unless `queue` is off).

    `any_path`: the operator's own command reading a file on its own machine; anything else reads only the
    portal's directories."""
    source = str(source)
    if is_stream(source):
        raise StreamNotAllowed("A stream is read in chunks (do_start_stream_chunk), not as a file.", field="file")
    if not any_path:
        _check_path(source)
    info = check_source(source, fps=fps)
    if start < 0 or (stop is not None and stop <= start):
        raise CameraAnalyticsError("The frame range is empty.", code="invalid_range", field="start")
    if info.frame_count and start >= info.frame_count:
        raise CameraAnalyticsError(f"The video has {info.frame_count} frames; it cannot start at {start}.",
                                   code="invalid_range", field="start")
    check_setup(camera, file_incidents=file_incidents)
    sha = file_sha256(Path(source))
    done = AnalysisRun.objects.of_camera(camera).filter(source_sha256=sha, start_frame=start, stop_frame=stop,
                                      status=State.DONE).first()
    if done is not None and not again:
        raise AlreadyAnalysed(f"This clip was analysed already (run {done.pk}); its violations were filed then.",
                              field="file")
    end = min(stop or info.frame_count or 0, info.frame_count or 0)
    run = AnalysisRun.objects.create(
        camera=camera, layer_id=camera.layer_id, camera_ext_id=camera.ext_id, source=source,
        source_name=(source_name or Path(source).name)[:255], source_sha256=sha,
        upload=upload_name, recorded_at=recorded_at or timezone.now(), start_frame=start, stop_frame=stop,
        file_incidents=file_incidents, frames_total=(end - start) if end else None, created_by=user,
        summary={"fps": info.fps, "size": [info.width, info.height]})
    if queue:
        _queue(run)
    return run


def do_start_stream_chunk(*, camera: Camera, seconds: float, user=None, file_incidents: bool = True,
                          queue: bool = True, task_id: str = "") -> AnalysisRun:
    """A run reading the camera's stream for `seconds` from now (the stream address never leaves the portal).
    Made by the task `task_id`, it is that task's run: asked again by the same task, the same run."""
    if task_id:
        made = AnalysisRun.objects.filter(task_id=task_id).first()
        if made is not None:
            return made
    source = (camera.stream_url or "").strip()
    if not source:
        raise StreamNotAllowed("The camera has no stream address.", field="camera")
    if not 1 <= seconds <= 3600:
        raise CameraAnalyticsError("A chunk lasts 1 s to 1 h.", code="invalid_range", field="seconds")
    _check_path(source)
    check_setup(camera, file_incidents=file_incidents)
    run = AnalysisRun.objects.create(camera=camera, layer_id=camera.layer_id, camera_ext_id=camera.ext_id,
                                     source_kind=AnalysisRun.Source.STREAM, source=source,
                                     source_name=f"{camera.ext_id} stream", recorded_at=timezone.now(),
                                     max_seconds=seconds, file_incidents=file_incidents, created_by=user,
                                     task_id=task_id)
    if queue:
        _queue(run)
    return run


def _progress(run_id: int):
    def report(done: int, total: int | None) -> None:
        fields = {"frames_done": done}
        if total:
            fields["frames_total"] = total
        AnalysisRun.objects.filter(pk=run_id).update(**fields)

    return report


def max_attempts() -> int:
    return int(getattr(settings, "CAMERA_ANALYTICS_MAX_ATTEMPTS", 3))


def execute_run(run_id: int, *, progress=None) -> AnalysisRun:
    """Run the pipeline for a stored run and store what it found; a failure is recorded on the run.

    A run delivered again (its worker died) starts over if its results were not stored yet; once they are,
    it only files the incidents still missing. A delivery that finds the run held by another session leaves it."""
    run = AnalysisRun.objects.select_related("created_by").get(pk=run_id)
    if run.status in FINISHED:
        return run
    with session_lock(LOCK_SPACE, run.pk) as held:
        run.refresh_from_db()
        if not held or run.status in FINISHED:
            return run
        attempt = run.attempts + 1
        if attempt > max_attempts():
            AnalysisRun.objects.filter(pk=run.pk).update(
                status=State.FAILED, finished_at=timezone.now(),
                error=STOPPED_FILING_ERROR if run.stored_at else STOPPED_ERROR)
            run.refresh_from_db()
            return run
        AnalysisRun.objects.filter(pk=run.pk).update(status=State.RUNNING, started_at=timezone.now(), error="",
                                                     attempts=attempt)
        _execute(run, progress)
    run.refresh_from_db()
    return run


def _execute(run: AnalysisRun, progress) -> None:
    camera = camera_of(run)
    workdir = Path(tempfile.mkdtemp(prefix=f"camera-run-{run.pk}-"))
    report = _progress(run.pk)

    def both(done, total):
        report(done, total)
        if progress is not None:
            progress(done, total)

    try:
        if camera is None:
            raise CameraAnalyticsError("The camera is no longer in its layer.", code="camera_not_found")
        if run.stored_at is None:
            _analyse_and_store(run, camera, workdir, both)
            run.refresh_from_db()
        if run.file_incidents:
            _file_incidents(run, camera)
        filed = Violation.objects.filter(run=run, incident__isnull=False).values("incident").distinct().count()
        AnalysisRun.objects.filter(pk=run.pk).update(status=State.DONE, finished_at=timezone.now(),
                                                     summary={**run.summary, "incidents": filed})
    except (PortalError, AnalyticsError) as exc:
        message = getattr(exc, "user_msg", None) or str(exc)
        AnalysisRun.objects.filter(pk=run.pk).update(status=State.FAILED, finished_at=timezone.now(),
                                                     error=message[:500])
        raise
    except Exception as exc:
        log.exception("camera analysis run %s failed", run.pk)
        AnalysisRun.objects.filter(pk=run.pk).update(status=State.FAILED, finished_at=timezone.now(),
                                                     error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _analyse_and_store(run: AnalysisRun, camera: Camera, workdir: Path, progress) -> None:
    rules, calibration = check_setup(camera, file_incidents=run.file_incidents)
    if run.source_kind == AnalysisRun.Source.STREAM:
        recorded_at = timezone.now()
        AnalysisRun.objects.filter(pk=run.pk).update(recorded_at=recorded_at)
        run.recorded_at = recorded_at
    fps = run.summary.get("fps")
    frame_zero = run.recorded_at.timestamp() - (run.start_frame / fps if fps else 0)
    options = PipelineOptions(evidence_dir=workdir / "evidence", clock_start=frame_zero)
    with core_errors():
        result = analyze(run.source, rules=rules, calibration=calibration, options=options,
                         start=run.start_frame, stop=run.stop_frame, max_seconds=run.max_seconds,
                         progress=progress)
    _store(run, camera, result, frame_zero)


def _summary(result: AnalysisResult) -> dict:
    speeds = sorted(p.speed_mps * 3.6 for t in result.tracks for p in t.points if p.speed_mps)
    return {
        "frames_read": result.frames_read, "frames_analysed": result.frames_analysed,
        "analysed_fps": round(result.analysed_fps, 3), "analysis_size": list(result.size),
        "tracks": len(result.tracks), "violations": len(result.violations),
        "counts": [{"line": line, "direction": d, "vehicles": n} for (line, d), n in sorted(result.counts().items())],
        "by_direction": result.counts_by_direction(),
        "median_speed_kmh": round(speeds[len(speeds) // 2], 1) if speeds else None,
        "cpu_s": round(result.cpu_s, 2), "wall_s": round(result.wall_s, 2),
        "realtime_ratio": round(result.duration_s / result.wall_s, 2) if result.wall_s else None,
    }


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _store(run: AnalysisRun, camera: Camera, result: AnalysisResult, frame_zero: float) -> list[Violation]:
    """Violations with their evidence files, and the hourly counts, all in one transaction."""
    saved: list = []
    try:
        with transaction.atomic():
            rows = []
            for found in result.violations:
                observed = datetime.fromtimestamp(frame_zero + found.t, UTC)
                evidence = found.evidence
                row = Violation.objects.create(
                    run=run, camera=camera, layer_id=camera.layer_id, camera_ext_id=camera.ext_id, kind=found.kind,
                    rule=found.rule[:100], track_id=found.track_id,
                    frame=found.frame, observed_at=observed, pixel_u=round(found.pixel[0], 2),
                    pixel_v=round(found.pixel[1], 2),
                    geom=Point(*found.lonlat, srid=4326) if found.lonlat else None, speed_kmh=found.speed_kmh,
                    details={k: v for k, v in found.details.items() if v is not None},
                    plates_found=evidence.plates_found if evidence else 0,
                    plates_assumed=evidence.plates_assumed if evidence else 0)
                for item in evidence.files if evidence else ():
                    saved.append(_keep(row, item))
                rows.append(row)
            counts: dict[tuple, int] = defaultdict(int)
            for crossing in result.crossings:
                hour = _hour(datetime.fromtimestamp(frame_zero + crossing.t, UTC))
                counts[(hour, crossing.line[:100], crossing.direction[:40], crossing.lane[:100])] += 1
            with connection.cursor() as cursor:
                for (hour, line, direction, lane), vehicles in sorted(counts.items()):
                    cursor.execute(_COUNT_SQL, [camera.layer_id, camera.ext_id, hour, line, direction, lane,
                                                vehicles])
            # Committed with the rows above: a delivery after this one must neither store nor count them again.
            AnalysisRun.objects.filter(pk=run.pk).update(stored_at=timezone.now(), frames_done=result.frames_read,
                                                         summary={**run.summary, **_summary(result)})
            return rows
    except BaseException:
        for field in saved:
            field.storage.delete(field.name)
        raise


def _keep(violation: Violation, item) -> object:
    row = ViolationEvidence(violation=violation, role=item.role, public=item.public, sha256=item.sha256,
                            size_bytes=item.size, content_type=item.content_type)
    field = row.public_copy if item.public else row.original
    with item.path.open("rb") as handle:
        field.save(f"{violation.pk}-{item.role}{item.path.suffix}", File(handle), save=False)
    row.save()
    return field


def _file_incidents(run: AnalysisRun, camera: Camera) -> int:
    """One incident per vehicle not filed yet; a vehicle the intake refuses (e.g. placed outside the province) keeps
    why. Each vehicle's incident and the link from its violations commit together, so a run delivered again
    finds exactly the vehicles still to file."""
    by_track: dict[int, list[Violation]] = defaultdict(list)
    for violation in Violation.objects.filter(run=run, incident__isnull=True, incident_error="").order_by("pk"):
        by_track[violation.track_id].append(violation)
    filed = 0
    for track, found in sorted(by_track.items()):
        ids = [v.pk for v in found]
        if any(v.geom is None for v in found):
            Violation.objects.filter(pk__in=ids).update(incident_error="Not placed on the map: no ground position.")
            continue
        try:
            with transaction.atomic():
                incident = file_incident(found, camera=camera, run=run)
                Violation.objects.filter(pk__in=ids).update(incident=incident, incident_error="")
            filed += 1
        except PortalError as exc:
            log.info("run %s track %s: no incident: %s", run.pk, track, exc.user_msg)
            Violation.objects.filter(pk__in=ids).update(incident_error=exc.user_msg[:500])
    return filed


def recorded_at_of(value: str | None) -> datetime | None:
    """An ISO 8601 time (local time when it names no zone), for when a clip was recorded."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CameraAnalyticsError("recorded_at is an ISO 8601 time, e.g. 2026-11-20T08:00:00+07:00.",
                                   code="invalid_input", field="recorded_at") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + timedelta(minutes=5):
        raise CameraAnalyticsError("recorded_at is in the future.", code="invalid_input", field="recorded_at")
    return moment
