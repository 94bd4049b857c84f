"""Writes to a camera's analytics setup: its reference frame, calibration and rules (check_* then do_*)."""

import io
import tempfile
from pathlib import Path

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from layers.models import Camera
from portal.accounts import audit

from .core.calibration import Calibration, PointPair, fit_calibration
from .core.errors import VideoUnreadable
from .core.rules import RuleSet
from .core.video import probe, read_frames
from .errors import CameraAnalyticsError, CameraNotFound, core_errors
from .models import CameraCalibration, CameraRule, CameraView

__all__ = ["camera_by_key", "camera_of", "view_of", "calibration_of", "check_frame", "do_set_view",
           "check_calibration", "do_save_calibration",
           "check_rules", "do_save_rules", "rules_of", "MAX_FRAME_BYTES"]

MAX_FRAME_BYTES = 200 * 2**20  # a still or a clip to take the reference frame from
_MAX_FRAME_PIXELS = 4096 * 4096


def camera_by_key(key: str | int) -> Camera:
    """A camera by id, by its ext_id (when one camera layer has it) or by `layer-slug:ext_id`."""
    text = str(key).strip()
    if text.isdigit():
        camera = Camera.objects.filter(pk=int(text)).first()
    elif ":" in text:
        slug, ext_id = text.split(":", 1)
        camera = Camera.objects.filter(layer__slug=slug, ext_id=ext_id).first()
    else:
        found = list(Camera.objects.filter(ext_id=text)[:2])
        if len(found) > 1:
            raise CameraAnalyticsError(f"Several cameras are called {text}: give layer-slug:{text} or the id.",
                                       code="ambiguous_camera", field="camera")
        camera = found[0] if found else None
    if camera is None:
        raise CameraNotFound(f"No camera {text[:100]}.", field="camera")
    return camera


def camera_of(row) -> Camera | None:
    """The camera a run, violation or setup row names (by layer and ext_id), as the layer has it now."""
    return Camera.objects.filter(layer_id=row.layer_id, ext_id=row.camera_ext_id).first()


def view_of(camera: Camera) -> CameraView | None:
    return CameraView.objects.of_camera(camera).first()


def calibration_of(camera: Camera) -> CameraCalibration | None:
    return CameraCalibration.objects.of_camera(camera).first()


def check_frame(data: bytes, *, name: str = "") -> np.ndarray:
    """The BGR picture of an uploaded still (JPEG, PNG, WebP) or the first frame of an uploaded clip."""
    if not data:
        raise CameraAnalyticsError("The file is empty.", code="empty_file", field="file")
    if len(data) > MAX_FRAME_BYTES:
        raise CameraAnalyticsError(f"At most {MAX_FRAME_BYTES // 2**20} MB.", code="too_large", field="file")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > _MAX_FRAME_PIXELS:
                raise CameraAnalyticsError("The picture has too many pixels.", code="too_large", field="file")
            rgb = np.asarray(image.convert("RGB"))
            return np.ascontiguousarray(rgb[:, :, ::-1])
    except Image.DecompressionBombError as exc:  # past Pillow's own cap (2 x 89 Mpx): refused like ours
        raise CameraAnalyticsError("The picture has too many pixels.", code="too_large", field="file") from exc
    except (UnidentifiedImageError, OSError):
        pass  # not a picture: a clip?
    with tempfile.TemporaryDirectory(prefix="camera-frame-") as tmp:
        path = Path(tmp) / (Path(name).name or "clip")
        path.write_bytes(data)
        with core_errors():
            info = probe(path)
            first = next(read_frames(path, fps=info.fps, stop=1), None)
        if first is None:
            raise CameraAnalyticsError("The clip holds no picture that decodes.", code="video_without_frames",
                                       field="file")
        return first.image


def do_set_view(*, camera: Camera, image: np.ndarray, user=None) -> CameraView:
    """Keep `image` as the camera's reference frame (JPEG, private)."""
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise VideoUnreadable("The frame could not be encoded.")
    height, width = image.shape[:2]
    with transaction.atomic():
        view = CameraView.objects.select_for_update().of_camera(camera).first() or CameraView()
        view.set_camera(camera)
        old = view.frame.name if view.pk else ""
        view.frame_width, view.frame_height, view.updated_by = width, height, user
        view.frame.save(f"{camera.ext_id[:60]}-{width}x{height}.jpg", ContentFile(jpeg.tobytes()), save=False)
        view.save()
        if old and old != view.frame.name:
            transaction.on_commit(lambda: view.frame.storage.delete(old))
    return view


def _pairs(pairs) -> list[PointPair]:
    out = []
    for i, pair in enumerate(pairs or []):
        try:
            out.append(PointPair(float(pair["u"]), float(pair["v"]), float(pair["lon"]), float(pair["lat"])))
        except (KeyError, TypeError, ValueError):
            raise CameraAnalyticsError("Each pair needs u, v (pixels) and lon, lat (degrees).",
                                       code="degenerate_calibration", field=f"pairs[{i}]") from None
    return out


def check_calibration(pairs, *, frame_size: tuple[int, int]) -> Calibration:
    """The fitted calibration, or the core's reason it is degenerate (as a 422)."""
    with core_errors():
        return fit_calibration(_pairs(pairs), frame_size=frame_size)


@transaction.atomic
def do_save_calibration(*, camera: Camera, calibration: Calibration, user=None,
                        ip: str | None = None) -> CameraCalibration:
    fields = {
        "frame_width": calibration.frame_size[0], "frame_height": calibration.frame_size[1],
        "pairs": [{"u": p.u, "v": p.v, "lon": p.lon, "lat": p.lat} for p in calibration.pairs],
        "matrix": list(calibration.matrix), "origin_lon": calibration.origin[0],
        "origin_lat": calibration.origin[1], "errors_m": [round(e, 4) for e in calibration.errors_m],
        "rms_m": round(calibration.rms_m, 4), "max_m": round(calibration.max_m, 4), "calibrated_by": user,
    }
    saved, _created = CameraCalibration.objects.update_or_create(layer_id=camera.layer_id,
                                                                 camera_ext_id=camera.ext_id, defaults=fields)
    audit.camera_calibration_saved(actor=user, camera=camera, pairs=len(calibration.pairs), rms_m=fields["rms_m"],
                                   max_m=fields["max_m"], ip=ip)
    return saved


def check_rules(rules, *, frame_size: tuple[int, int]) -> RuleSet:
    if not isinstance(rules, list):
        raise CameraAnalyticsError("rules is a list of rules.", code="invalid_rule", field="rules")
    if len(rules) > 100:
        raise CameraAnalyticsError("At most 100 rules a camera.", code="invalid_rule", field="rules")
    with core_errors():
        return RuleSet.from_dicts(rules, frame_size=frame_size)


@transaction.atomic
def do_save_rules(*, camera: Camera, rules: list[dict], frame_size: tuple[int, int], user=None,
                  ip: str | None = None) -> list[CameraRule]:
    """The camera's rules replaced by these (already checked) ones, all or none."""
    check_rules(rules, frame_size=frame_size)
    CameraRule.objects.of_camera(camera).delete()
    rows = [CameraRule(layer_id=camera.layer_id, camera_ext_id=camera.ext_id, kind=rule["kind"],
                       name=str(rule.get("name") or f"{rule['kind']} {i + 1}").strip()[:100], definition=rule,
                       order=i, frame_width=frame_size[0], frame_height=frame_size[1])
            for i, rule in enumerate(rules)]
    saved = CameraRule.objects.bulk_create(rows)
    audit.camera_rules_saved(actor=user, camera=camera, rules=rules, ip=ip)
    return saved


def rules_of(camera: Camera, *, frame_size: tuple[int, int] | None = None) -> RuleSet:
    """The camera's rules as the core reads them (none: an empty set on `frame_size`)."""
    rows = list(CameraRule.objects.of_camera(camera))
    if not rows:
        return RuleSet(frame_size=frame_size or (320, 240))
    size = (rows[0].frame_width, rows[0].frame_height)
    with core_errors():
        return RuleSet.from_dicts([row.definition for row in rows], frame_size=size)
