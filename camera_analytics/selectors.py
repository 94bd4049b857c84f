"""Reads for the API and pages: a camera's setup, its runs, violations and counts, as plain dicts."""

from datetime import datetime

import numpy as np
from django.urls import reverse

from layers.models import Camera

from .core.calibration import Calibration
from .models import AnalysisRun, CameraCalibration, CameraRule, CameraView, HourlyCount, Violation

__all__ = ["footprint", "calibration_out", "camera_out", "run_out", "violation_out", "violations_of", "counts_of",
           "rules_out", "MAX_LIST"]

MAX_LIST = 500


def footprint(calibration: Calibration, *, reach_m: float = 400.0) -> list[list[float]]:
    """The ground the frame shows, as a lon/lat ring: its border mapped through the homography, cut where it
    nears the horizon (beyond `reach_m` from the calibration's origin)."""
    width, height = calibration.frame_size
    steps = 24
    border = ([(width * i / steps, height) for i in range(steps + 1)]
              + [(width, height * (1 - i / steps)) for i in range(1, steps + 1)]
              + [(width * (1 - i / steps), 0) for i in range(1, steps + 1)]
              + [(0, height * i / steps) for i in range(1, steps)])
    ground = calibration.pixel_to_ground(np.array(border))
    keep = np.isfinite(ground).all(axis=1) & (np.hypot(*ground.T) <= reach_m)
    if keep.sum() < 3:
        return []
    ring = calibration.plane.to_lonlat(ground[keep])
    return [[round(float(lon), 7), round(float(lat), 7)] for lon, lat in [*ring, ring[0]]]


def calibration_out(calibration: Calibration, *, saved: bool) -> dict:
    width, height = calibration.frame_size
    try:
        centre = round(calibration.metres_per_pixel(width / 2, height / 2), 4)
    except (ValueError, ZeroDivisionError):
        centre = None
    if centre is not None and centre != centre:  # NaN: the centre is above the horizon
        centre = None
    return {
        "frame_width": width, "frame_height": height,
        "pairs": [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat, "error_m": round(e, 4), "error_px": round(px, 3)}
                  for p, e, px in zip(calibration.pairs, calibration.errors_m, calibration.errors_px, strict=True)],
        "rms_m": round(calibration.rms_m, 4), "max_m": round(calibration.max_m, 4),
        "round_trip_max_m": round(max(calibration.round_trip_errors_m(), default=0.0), 6),
        "metres_per_pixel_at_centre": centre, "saved": saved, "footprint": footprint(calibration),
    }


def rules_out(camera: Camera) -> dict:
    rows = list(CameraRule.objects.of_camera(camera))
    return {"frame_width": rows[0].frame_width if rows else None,
            "frame_height": rows[0].frame_height if rows else None,
            "rules": [row.definition for row in rows]}


def run_out(run: AnalysisRun) -> dict:
    return {"id": run.pk, "camera": run.camera_id, "camera_ext_id": run.camera_ext_id, "status": run.status,
            "source_kind": run.source_kind,
            "source_name": run.source_name, "recorded_at": run.recorded_at, "start_frame": run.start_frame,
            "stop_frame": run.stop_frame, "frames_done": run.frames_done, "frames_total": run.frames_total,
            "progress": run.progress, "summary": run.summary, "error": run.error, "created_at": run.created_at,
            "finished_at": run.finished_at}


def camera_out(camera: Camera) -> dict:
    view = CameraView.objects.of_camera(camera).first()
    calibration = CameraCalibration.objects.of_camera(camera).first()
    return {
        "id": camera.pk, "ext_id": camera.ext_id, "name": camera.name, "kind": camera.kind, "status": camera.status,
        "lon": camera.geom.x, "lat": camera.geom.y, "heading_deg": camera.heading_deg,
        "view_angle_deg": camera.view_angle_deg, "range_m": camera.range_m,
        "view": {"width": view.frame_width, "height": view.frame_height, "updated_at": view.updated_at,
                 "url": reverse("camera_analytics:frame", args=[camera.pk])} if view else None,
        "calibration": calibration_out(calibration.as_core(), saved=True) if calibration else None,
        "rules": rules_out(camera),
        "runs": [run_out(r) for r in AnalysisRun.objects.of_camera(camera)[:10]],
    }


def violation_out(violation: Violation) -> dict:
    return {
        "id": violation.pk, "camera": violation.camera_id, "camera_ext_id": violation.camera_ext_id,
        "run": violation.run_id, "kind": violation.kind,
        "rule": violation.rule, "track_id": violation.track_id, "observed_at": violation.observed_at,
        "lon": violation.geom.x if violation.geom else None, "lat": violation.geom.y if violation.geom else None,
        "speed_kmh": violation.speed_kmh, "details": violation.details, "plates_found": violation.plates_found,
        "plates_assumed": violation.plates_assumed,
        "incident": violation.incident.tracking_code if violation.incident_id else None,
        "incident_error": violation.incident_error,
        "evidence": [{"role": e.role, "public": e.public, "sha256": e.sha256, "size_bytes": e.size_bytes,
                      "content_type": e.content_type, "url": reverse("camera_analytics:evidence", args=[e.pk])}
                     for e in violation.evidence.all()],
    }


def violations_of(camera: Camera, *, kind: str | None = None, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 100):
    rows = Violation.objects.of_camera(camera).select_related("incident").prefetch_related("evidence")
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(observed_at__gte=since)
    if until:
        rows = rows.filter(observed_at__lt=until)
    return rows.order_by("-observed_at", "-id")[: min(limit, MAX_LIST)]


def counts_of(camera: Camera, *, since: datetime | None = None, until: datetime | None = None):
    rows = HourlyCount.objects.of_camera(camera)
    if since:
        rows = rows.filter(hour__gte=since)
    if until:
        rows = rows.filter(hour__lt=until)
    return rows.order_by("hour", "line", "direction", "lane")[:10_000]
