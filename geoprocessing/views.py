"""Pages: the citizen's planning lookup, the planner's queries, and the check of a sheet's verification code.

Both map pages embed the portal's map module (portal/static/portal/map/, MapLibre served by the portal)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from layers.models import LandUseCode, Layer
from portal.map.config import map_config

from .models import PlanningSheet
from .selectors import sheet_currency

PLANNER_PERMISSION = "geoprocessing.run_planner_queries"
_MAP_MODULES = ("portal-map", "overlays", "legend", "dom", "identify", "measure")


def _language() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _shown_layers(user, kinds: tuple[str, ...]) -> list[str]:
    return list(Layer.objects.visible_to(user).filter(kind__in=kinds).order_by("pk").values_list("slug", flat=True))


def _lookup_messages() -> dict[str, str]:
    return {
        "searching": _("Looking up…"), "failed": _("The lookup failed: %(reason)s"),
        "near": _("Parcels with numbers close to yours:"), "candidates": _("Several parcels match; choose one:"),
        "parcel": _("Parcel"), "commune": _("Commune"), "sheet_parcel": _("Map sheet / parcel"),
        "area": _("Area"), "legal_area": _("Registered area"), "current_use": _("Current land use"),
        "address": _("Address"), "zones": _("Plan zones over this parcel"), "zone": _("Zone"),
        "function": _("Function"), "planned_use": _("Planned land use"), "share": _("Share of the parcel"),
        "density": _("Max building density"), "floors": _("Max floors"), "height": _("Max height"),
        "far": _("Floor area ratio"), "decision": _("Decision"), "decisions": _("Decisions in force"),
        "signed": _("signed"), "scale": _("scale"), "document": _("document (PDF)"),
        "corridors": _("Networks and canals within %(distance)s m"), "distance": _("distance"),
        "corridor": _("protection corridor"), "inside": _("the parcel is inside the corridor"),
        "outside": _("outside the corridor"), "none_near": _("None within %(distance)s m."),
        "no_zone": _("No plan zone in force covers this parcel on that day."), "as_of": _("Plan as of"),
        "sheet": _("Planning information sheet (PDF)"), "sheet_ready": _("Sheet %(code)s is ready:"),
        "open_pdf": _("open the PDF"), "verify": _("check it"), "became": _("since %(date)s part of %(name)s"),
        "made_of": _("made from %(names)s on %(date)s"), "water": _("Water supply"), "drainage": _("Drainage"),
        "sewer": _("Sewer"), "power": _("Power cable"), "telecom": _("Telecom cable"), "canal": _("Canal"),
        "work": _("Irrigation work"), "level": _("level %(level)s"), "notes": _("Notes"),
        "click_hint": _("Click a parcel on the map, or type its numbers."),
    }


@require_GET
@ensure_csrf_cookie
def lookup_page(request):
    config = {
        "urls": {"lookup": reverse("api:planning_lookup"), "communes": reverse("api:planning_communes"),
                 "sheets": reverse("api:planning_sheets")},
        "modules": {name: static(f"portal/map/{name}.js") for name in ("portal-map", "dom")},
        "layers": _shown_layers(request.user, ("land_parcel", "plan_zone")),
        "messages": _lookup_messages(),
    }
    return render(request, "geoprocessing/lookup.html", {
        "map_config": map_config(request, request.user, _language()), "planning_config": config,
        "map_modules": [f"portal/map/{name}.js" for name in _MAP_MODULES],
        "can_query": request.user.has_perm(PLANNER_PERMISSION)})


@require_GET
@login_required
@permission_required(PLANNER_PERMISSION, raise_exception=True)
@ensure_csrf_cookie
def queries_page(request):
    config = {
        "urls": {name: reverse(f"api:queries_{name}") for name in (
            "parcels", "overlay", "plan_vs_current", "underground_conflicts", "trace", "zonal_stats")},
        "modules": {name: static(f"portal/map/{name}.js") for name in ("portal-map", "dom")},
        "layers": _shown_layers(request.user, ("plan_zone",)),
        "rasters": list(Layer.objects.visible_to(request.user).filter(kind="raster").values_list("slug", "title_vi")),
        "polygon_layers": list(Layer.objects.visible_to(request.user).filter(
            kind__in=["plan_zone", "irrigated_area"]).values_list("slug", "title_vi")),
        "land_uses": list(LandUseCode.objects.values_list("code", "name_vi")),
        "messages": {"running": _("Running…"), "failed": _("The query failed: %(reason)s"),
                     "matched": _("%(count)s results"), "shown": _("first %(count)s shown"),
                     "draw_hint": _("Click on the map to add corners; double-click to close the polygon."),
                     "drawn": _("Polygon of %(count)s corners drawn."), "download": _("Download")},
    }
    networks = [("water", _("Water supply")), ("drainage", _("Drainage")), ("sewer", _("Sewer")),
                ("power", _("Power cable")), ("telecom", _("Telecom cable")), ("irrigation", _("Irrigation canals"))]
    return render(request, "geoprocessing/queries.html", {
        "map_config": map_config(request, request.user, _language()), "planning_config": config,
        "map_modules": [f"portal/map/{name}.js" for name in _MAP_MODULES], "networks": networks})


@require_GET
def verify_page(request, code: str):
    sheet = PlanningSheet.objects.filter(code=code.strip().upper()).first()
    context = {"code": code, "sheet": sheet, "current": sheet_currency(sheet) if sheet else None}
    return render(request, "geoprocessing/verify.html", context, status=200 if sheet else 404)
