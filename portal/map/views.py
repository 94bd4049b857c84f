"""The map page, the basemap styles it draws, and the documents of plan decisions its popups link to."""

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.models import PlanDecision
from portal.accounts.auth import resolve_caller
from portal.errors import NotFound, PortalError

from .basemap_style import BASES, basemap_layers, basemap_style
from .config import map_config

__all__ = ["map_page", "style_view", "decision_document"]


def _language() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


# The default view's labels are set in Noto Sans Bold: asked for at once instead of after the first tiles.
_PRELOADS = [f"map/fonts/NotoSans-Bold/{first}-{first + 255}.pbf" for first in (0, 256, 7680)]
_MODULES = [f"portal/map/{name}.js" for name in ("portal-map", "overlays", "legend", "dom", "identify", "measure",
                                                  "search", "hash", "export")]


@require_GET
def map_page(request):
    return render(request, "portal/map.html", {
        "config": map_config(request, request.user, _language()),
        "glyph_preloads": [settings.STATIC_URL + path for path in _PRELOADS], "map_modules": _MODULES})


@require_GET
def style_view(request, base: str):
    try:
        if base not in BASES:
            raise NotFound(f"no basemap named {base!r}; there are {', '.join(BASES)}")
        user = resolve_caller(request)
    except PortalError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    response = JsonResponse(basemap_style(request, base, basemap_layers(user)))
    response["Cache-Control"] = "no-cache"  # the tile URLs inside carry the layers' versions
    return response


@require_GET
def decision_document(request, pk: int):
    """Plan decisions are public acts: their documents are open to everyone."""
    decision = get_object_or_404(PlanDecision.objects.exclude(status=PlanDecision.Status.DRAFT), pk=pk)
    if not decision.document:
        raise Http404("this decision has no document")
    filename = decision.document.name.rsplit("/", 1)[-1]
    return FileResponse(decision.document.open("rb"), filename=filename, content_type="application/pdf")
