"""Camera analytics API at /api/cameras/: reference frame, calibration, rules, analyses, violations, counts."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from layers.models import Camera
from portal.accounts.auth import token_or_session
from portal.errors import NotFound, PermissionDenied
from portal.ratelimit import client_ip

from . import selectors, services
from .access import can_review, can_see_counts, can_set_up, visible_cameras
from .clips import do_start_upload_analysis
from .errors import CameraAnalyticsError
from .models import AnalysisRun, Violation
from .runs import do_start_stream_chunk, recorded_at_of
from .schemas import (
    CalibrationIn,
    CalibrationOut,
    CameraOut,
    CountOut,
    RulesIn,
    RulesOut,
    RunOut,
    StreamChunkIn,
    ViewOut,
    ViolationOut,
)

router = Router(auth=token_or_session)


def _camera(request, camera_id: int, *, allowed) -> Camera:
    """The camera, if the caller sees it (its layer, their district) and may do this to it; else 404 / 403."""
    camera = visible_cameras(request.auth).select_related("layer").filter(pk=camera_id).first()
    if camera is None:
        raise NotFound("No such camera.")
    if not allowed(request.auth, camera):
        raise PermissionDenied()
    return camera


def _current(request, row, *, allowed) -> Camera:
    """The camera a run or violation names, as its layer has it now (404 if gone or not visible)."""
    camera = services.camera_of(row)
    if camera is None:
        raise NotFound("No such camera.")
    return _camera(request, camera.pk, allowed=allowed)


def _frame_size(camera: Camera, width: int | None, height: int | None) -> tuple[int, int]:
    if width and height:
        return width, height
    view = services.view_of(camera)
    if view is None:
        raise CameraAnalyticsError("Give frame_width and frame_height, or upload the camera's frame first.",
                                   code="no_frame", field="frame_width")
    return view.frame_width, view.frame_height


@router.get("/{camera_id}", response=CameraOut, summary="A camera's analytics setup and latest runs")
def camera_detail(request, camera_id: int):
    return selectors.camera_out(_camera(request, camera_id, allowed=can_review))


@router.post("/{camera_id}/view", response=ViewOut, summary="Set the frame calibration and rules are clicked on "
             "(a still, or a clip whose first frame is taken)")
def set_view(request, camera_id: int, file: File[UploadedFile]):
    camera = _camera(request, camera_id, allowed=can_set_up)
    image = services.check_frame(file.read(services.MAX_FRAME_BYTES + 1), name=file.name or "")
    view = services.do_set_view(camera=camera, image=image, user=request.auth)
    return {"width": view.frame_width, "height": view.frame_height, "updated_at": view.updated_at,
            "url": reverse("camera_analytics:frame", args=[camera.pk])}


@router.post("/{camera_id}/calibration/check", response=CalibrationOut,
             summary="Fit the homography of these pairs and show its errors, without saving")
def check_calibration(request, camera_id: int, body: CalibrationIn):
    camera = _camera(request, camera_id, allowed=can_set_up)
    size = _frame_size(camera, body.frame_width, body.frame_height)
    calibration = services.check_calibration([p.dict() for p in body.pairs], frame_size=size)
    return selectors.calibration_out(calibration, saved=False)


@router.put("/{camera_id}/calibration", response=CalibrationOut, summary="Fit and save the camera's calibration")
def save_calibration(request, camera_id: int, body: CalibrationIn):
    camera = _camera(request, camera_id, allowed=can_set_up)
    size = _frame_size(camera, body.frame_width, body.frame_height)
    calibration = services.check_calibration([p.dict() for p in body.pairs], frame_size=size)
    services.do_save_calibration(camera=camera, calibration=calibration, user=request.auth, ip=client_ip(request))
    return selectors.calibration_out(calibration, saved=True)


@router.get("/{camera_id}/rules", response=RulesOut, summary="The camera's rules, in its frame's pixels")
def get_rules(request, camera_id: int):
    return selectors.rules_out(_camera(request, camera_id, allowed=can_review))


@router.put("/{camera_id}/rules", response=RulesOut, summary="Replace the camera's rules (all or none)")
def put_rules(request, camera_id: int, body: RulesIn):
    camera = _camera(request, camera_id, allowed=can_set_up)
    size = _frame_size(camera, body.frame_width, body.frame_height)
    services.do_save_rules(camera=camera, rules=body.rules, frame_size=size, user=request.auth,
                           ip=client_ip(request))
    return selectors.rules_out(camera)


class AnalysisForm(Schema):
    recorded_at: str | None = None
    start: int = 0
    stop: int | None = None
    fps: float | None = None
    file_incidents: bool = True
    again: bool = False


@router.post("/{camera_id}/analyses", response={202: RunOut},
             summary="Upload a clip from the camera; a worker analyses it and files an incident per vehicle")
def start_analysis(request, camera_id: int, form: Form[AnalysisForm], file: File[UploadedFile]):
    camera = _camera(request, camera_id, allowed=can_review)
    with transaction.atomic():
        run = do_start_upload_analysis(camera=camera, upload=file, user=request.auth,
                                       recorded_at=recorded_at_of(form.recorded_at), start=form.start,
                                       stop=form.stop, fps=form.fps, file_incidents=form.file_incidents,
                                       again=form.again)
    return Status(202, selectors.run_out(run))


@router.post("/{camera_id}/stream-chunks", response={202: RunOut},
             summary="Analyse the next seconds of the camera's own stream on a worker")
def start_stream_chunk(request, camera_id: int, body: StreamChunkIn):
    camera = _camera(request, camera_id, allowed=can_set_up)
    with transaction.atomic():
        run = do_start_stream_chunk(camera=camera, seconds=body.seconds, user=request.auth,
                                    file_incidents=body.file_incidents)
    return Status(202, selectors.run_out(run))


@router.get("/runs/{run_id}", response=RunOut, summary="Status and progress of an analysis")
def run_status(request, run_id: int):
    run = AnalysisRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such analysis.")
    _current(request, run, allowed=can_review)
    return selectors.run_out(run)


class ViolationQuery(Schema):
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100


@router.get("/{camera_id}/violations", response=list[ViolationOut], summary="What the camera saw, newest first")
def camera_violations(request, camera_id: int, q: Query[ViolationQuery]):
    camera = _camera(request, camera_id, allowed=can_review)
    if q.kind and q.kind not in Violation.Kind.values:
        raise CameraAnalyticsError(f"kind is one of {', '.join(Violation.Kind.values)}.", code="invalid_input",
                                   field="kind")
    rows = selectors.violations_of(camera, kind=q.kind, since=q.since, until=q.until, limit=max(1, q.limit))
    return [selectors.violation_out(v) for v in rows]


@router.get("/violations/{violation_id}", response=ViolationOut, summary="One violation with its evidence files")
def violation_detail(request, violation_id: int):
    violation = (Violation.objects.filter(pk=violation_id).select_related("incident")
                 .prefetch_related("evidence").first())
    if violation is None:
        raise NotFound("No such violation.")
    _current(request, violation, allowed=can_review)
    return selectors.violation_out(violation)


class CountQuery(Schema):
    since: datetime | None = None
    until: datetime | None = None


@router.get("/{camera_id}/counts", response=list[CountOut],
            summary="Vehicles per hour, counting line, direction and lane (for reports)")
def camera_counts(request, camera_id: int, q: Query[CountQuery]):
    camera = _camera(request, camera_id, allowed=can_see_counts)
    return list(selectors.counts_of(camera, since=q.since, until=q.until))
