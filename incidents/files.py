"""Serving incident media: public copies and thumbnails to anyone for public reports once processed;
originals only to the staff handling the report, each look logged like a look at the reporter's contact."""

from django.http import FileResponse, Http404, HttpRequest

from portal.accounts import audit
from portal.ratelimit import client_ip

from .access import can_handle
from .models import IncidentMedia

__all__ = ["serve_media"]


def serve_media(request: HttpRequest, media_id: int, variant: str) -> FileResponse:
    media = IncidentMedia.objects.select_related("incident").filter(pk=media_id).first()
    if media is None or variant not in ("public", "thumb", "original"):
        raise Http404
    incident = media.incident
    if variant == "original":
        if not can_handle(request.user, incident):
            raise Http404  # never say a private file exists
        audit.incident_original_viewed(actor=request.user, media=media, ip=client_ip(request))
        stored, content_type, cache = media.original, media.content_type, "private, no-store"
    else:
        visible = incident.public and incident.status != "rejected"
        if not (visible or can_handle(request.user, incident)) or media.status != IncidentMedia.State.READY:
            raise Http404
        stored = media.public_copy if variant == "public" else media.thumbnail
        content_type = (media.public_content_type or "image/jpeg") if variant == "public" else "image/jpeg"
        cache = "public, max-age=86400" if visible else "private, no-store"
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
