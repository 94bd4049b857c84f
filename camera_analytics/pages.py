"""The calibration page: click a point on the camera's frame, then the same place on the map, four times or
more; the errors show at once. Rules are drawn on the same frame."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.models import Camera, Layer
from portal.map.config import map_config

from .access import can_set_up
from .core.rules import KINDS
from .selectors import camera_out

__all__ = ["calibrate_page"]


@require_GET
@login_required
def calibrate_page(request, camera_id: int):
    if not can_set_up(request.user):
        raise PermissionDenied
    camera = Camera.objects.filter(pk=camera_id, layer__in=Layer.objects.visible_to(request.user)).first()
    if camera is None:
        raise Http404
    language = "en" if (get_language() or "vi").startswith("en") else "vi"
    return render(request, "camera_analytics/calibrate.html", {
        "camera": camera, "setup": camera_out(camera), "config": map_config(request, request.user, language),
        "kinds": KINDS})
