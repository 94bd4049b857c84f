"""The calibration page: click a point on the camera's frame, then the same place on the map, four times or
more; the errors show at once. Rules are drawn on the same frame."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from portal.map.config import map_config

from .access import can_set_up, visible_cameras
from .core.rules import KINDS
from .selectors import camera_out

__all__ = ["calibrate_page"]


@require_GET
@login_required
def calibrate_page(request, camera_id: int):
    if not can_set_up(request.user):
        raise PermissionDenied
    camera = visible_cameras(request.user).select_related("layer").filter(pk=camera_id).first()
    if camera is None:
        raise Http404
    if not can_set_up(request.user, camera):
        raise PermissionDenied
    language = "en" if (get_language() or "vi").startswith("en") else "vi"
    return render(request, "camera_analytics/calibrate.html", {
        "camera": camera, "setup": camera_out(camera), "config": map_config(request, request.user, language),
        "kinds": KINDS, "messages": _messages()})


def _messages() -> dict:
    """The page script's own words, translated here."""
    return {
        "saved": gettext("saved"), "pairs_so_far": gettext("{n} of at least 4 pairs"),
        "now_map": gettext("… now click the same place on the map"),
        "now_frame": gettext("… now click the same place on the frame"),
        "rms": gettext("RMS {rms} m · largest {max} m"), "per_pixel": gettext("{mpp} m a pixel at the centre"),
        "two_ends": gettext("click the line's two ends"), "corners": gettext("click the corners, then Finish"),
        "direction": gettext("click where traffic comes from, then where it goes"),
        "signal": gettext("click the signal head's corners, then Finish"),
        "added": gettext("{name} added: save the rules to keep it"),
    }
