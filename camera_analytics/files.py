"""The camera's reference frame and violation evidence, served only to those who may see them.

Public copies (plates blurred) go to staff who review violations; originals too, and each original is
served with its SHA-256 in a header so a downloaded copy can be checked against the stored record.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from layers.models import Camera
from portal.accounts import audit
from portal.ratelimit import client_ip

from .access import can_review, visible_cameras
from .models import CameraView, ViolationEvidence
from .services import camera_of

__all__ = ["serve_frame", "serve_evidence"]


def _visible_camera(user, camera_id: int) -> Camera | None:
    return visible_cameras(user).select_related("layer").filter(pk=camera_id).first()


def _response(field, content_type: str, *, name: str, sha256: str = "") -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response


@require_GET
def serve_frame(request, camera_id: int):
    user = request.user
    if not can_review(user):  # which the set-up roles pass too
        raise PermissionDenied
    camera = _visible_camera(user, camera_id)
    if camera is not None and not can_review(user, camera):
        raise PermissionDenied
    view = CameraView.objects.of_camera(camera).first() if camera else None
    if view is None:
        raise Http404
    return _response(view.frame, "image/jpeg", name=f"camera-{camera_id}.jpg")


@require_GET
def serve_evidence(request, evidence_id: int):
    user = request.user
    if not can_review(user):
        raise PermissionDenied
    row = ViolationEvidence.objects.select_related("violation").filter(pk=evidence_id).first()
    camera = camera_of(row.violation) if row else None
    if camera is None or _visible_camera(user, camera.pk) is None:
        raise Http404
    if not can_review(user, camera):
        raise PermissionDenied
    ext = "mp4" if row.content_type == "video/mp4" else "jpg"
    response = _response(row.file, row.content_type, name=f"violation-{row.violation_id}-{row.role}.{ext}",
                         sha256=row.sha256)
    if not row.public:  # the original: plates and faces readable, so each look is logged
        audit.violation_evidence_viewed(actor=user, evidence=row, ip=client_ip(request))
    return response
