"""Who may do what here, from the roles' permissions (portal.accounts.roles): data stewards of the camera's layer
set cameras up, dispatchers review what cameras found; staff who see the camera layer see its counts. Which
cameras at all: those of layers the caller sees and, for a district IOC's staff, those standing in its district.

Each check takes the camera when there is one: without it, it says whether the role could ever do this."""

from django.db.models import QuerySet

from layers.models import Camera, Layer
from layers.permissions import can_edit_layer
from portal.accounts.scope import district_outline

__all__ = ["visible_cameras", "can_set_up", "can_review", "can_see_counts"]


def visible_cameras(user) -> QuerySet[Camera]:
    cameras = Camera.objects.filter(layer__in=Layer.objects.visible_to(user))
    outline = district_outline(user)
    if outline is None:
        return cameras
    if outline.empty:
        return cameras.none()
    return cameras.filter(geom__coveredby=outline)


def can_set_up(user, camera: Camera | None = None) -> bool:
    """Reference frame, calibration, rules, and running analyses: the stewards who may edit the camera's layer."""
    if not (user and user.is_authenticated and user.has_perm("layers.change_camera")):
        return False
    return camera is None or can_edit_layer(user, camera.layer)


def can_review(user, camera: Camera | None = None) -> bool:
    """Violations with their private evidence, and running analyses: dispatchers (and the set-up roles)."""
    if not (user and user.is_authenticated):
        return False
    return user.has_perm("incidents.dispatch_incident") or can_set_up(user, camera)


def can_see_counts(user, camera: Camera | None = None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("layers.view_camera"))
