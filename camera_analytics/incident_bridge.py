"""A vehicle's violations filed as one incident through the incident intake (channel "camera").

The intake does what it does for every channel: checks, routing to the agency, deadline, events, the
live dispatch map (announced on commit). The still and the clip go with it as the report's media:
their originals stay private with their SHA-256, and the media worker makes the redacted copies.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from incidents.intake import Report, check_report, do_submit_incident

from .incident_extra import FiledViolation, incident_extra
from .models import Violation, ViolationEvidence

__all__ = ["CATEGORY", "file_incident", "describe"]

CATEGORY = "vi-pham-giao-thong"

_WHAT = {
    "wrong_way": "đi ngược chiều ({rule})",
    "no_stopping": "dừng xe {stopped_s:.0f} giây trong vùng cấm dừng ({rule}, tối đa {limit_s:.0f} giây)",
    "speeding": "chạy {speed:.0f} km/h, quá tốc độ cho phép {limit_kmh:.0f} km/h ({rule})",
    "red_light": "vượt đèn đỏ ({rule})",
}


def describe(violations: list[Violation], camera) -> str:
    first = min(violations, key=lambda v: v.observed_at)
    when = date_format(timezone.localtime(first.observed_at), "H:i:s d/m/Y")
    parts = []
    for v in sorted(violations, key=lambda v: v.observed_at):
        values = {"rule": v.rule, "speed": v.speed_kmh or 0, "stopped_s": 0, "limit_s": 0, "limit_kmh": 0,
                  **v.details}
        parts.append(_WHAT.get(v.kind, v.kind).format(**values))
    return (f"Camera {camera.ext_id} ({camera.name}) ghi nhận phương tiện {'; '.join(parts)} lúc {when}. "
            f"Phát hiện tự động, cần cán bộ xác minh hình ảnh trước khi xử lý.")


def _uploads(violations: list[Violation]) -> list[SimpleUploadedFile]:
    """The first violation's still and clip (the originals): what the dispatcher looks at first."""
    rows = ViolationEvidence.objects.filter(violation=violations[0], role__in=("still", "clip"))
    out = []
    for row in rows.order_by("-role"):  # still first
        with row.original.open("rb") as handle:
            out.append(SimpleUploadedFile(f"{row.role}-{row.sha256[:12]}.{'jpg' if row.role == 'still' else 'mp4'}",
                                          handle.read(), content_type=row.content_type))
    return out


def file_incident(violations: list[Violation], *, camera, run):
    """One incident for one vehicle (track), placed where the first violation happened."""
    ordered = sorted(violations, key=lambda v: (v.observed_at, v.pk))
    first = ordered[0]
    extra = incident_extra(camera=camera.ext_id, camera_id=camera.pk, run=run.pk, track=first.track_id,
                           violations=[FiledViolation(kind=v.kind, rule=v.rule, speed_kmh=v.speed_kmh, id=v.pk)
                                       for v in ordered])
    report = Report(
        category=CATEGORY, description=describe(violations, camera), channel="camera",
        lon=first.geom.x, lat=first.geom.y, address=camera.name[:500], recorded_by=run.created_by, extra=extra,
        # Violations seen in an old clip are filed when they happened, but never in the future.
        created_at=min(first.observed_at, timezone.now() + timedelta(seconds=1)))
    checked = check_report(report, _uploads(ordered))
    return do_submit_incident(checked)
