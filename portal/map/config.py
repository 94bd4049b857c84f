"""What the map page needs to start: the caller's layers grouped by theme, basemaps, the default view, texts."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.models import Layer
from layers.registry import UnknownKind, get_kind
from layers.styles import layer_style

from .basemap_style import BASEMAP_KINDS, BASES, FONT_REGULAR
from .tiles import raster_template, tile_template

__all__ = ["THEME_ORDER", "DEFAULT_VIEW", "ATTRIBUTION", "overlay_layers", "overlay_entry", "map_config", "messages"]

THEME_ORDER = ("planning", "admin", "irrigation", "underground", "cameras", "incidents", "raster", "basemap")
_OVERLAY_MAXZOOM = 16  # past this, tiles overzoom: MVT at z16 still places vertices to ~15 cm
_OUR_FONTS = {"NotoSans-Regular", "NotoSans-Bold"}
# Ninh Thuận, the demo province; a deployment elsewhere sets MAP_DEFAULT_VIEW.
DEFAULT_VIEW = {"center": [108.93, 11.62], "zoom": 9.2}
# The sources behind the basemap and the demo, as ../shared/data/PROVENANCE.md credits them.
ATTRIBUTION = ("© OpenStreetMap contributors (ODbL) · geoBoundaries (CC0) · censusVN2009 (MIT) · "
               "WorldPop (CC BY 4.0)")


def overlay_layers(user) -> list[Layer]:
    """Catalog layers the caller may see, other than the basemap's own, in tree order."""
    layers = Layer.objects.visible_to(user).exclude(kind__in=BASEMAP_KINDS).select_related("raster")
    rank = {theme: i for i, theme in enumerate(THEME_ORDER)}
    return sorted(layers, key=lambda layer: (rank.get(layer.theme, len(rank)), layer.title_vi))


def _drawable_style(layer: Layer) -> dict:
    style = dict(layer_style(layer))
    if style.get("type") == "symbol":
        layout = dict(style.get("layout", {}))
        # Only the portal's own glyphs exist here; any other font would be a request that fails.
        if not set(layout.get("text-font", [])) <= _OUR_FONTS or not layout.get("text-font"):
            layout["text-font"] = FONT_REGULAR
        style["layout"] = layout
    return {"type": style["type"], "paint": style.get("paint", {}), "layout": style.get("layout", {})}


def overlay_entry(request, layer: Layer, language: str) -> dict | None:
    entry = {"slug": layer.slug, "title": layer.title(language), "title_vi": layer.title_vi,
             "title_en": layer.title_en, "theme": layer.theme, "attribution": layer.attribution,
             "minzoom": layer.min_zoom, "maxzoom": layer.max_zoom}
    if layer.kind == "raster":
        if not hasattr(layer, "raster"):
            return None
        stats = layer.raster.stats or {}
        entry.update(type="raster", tiles=raster_template(request, layer), unit=layer.raster.unit,
                     range=[stats.get("min"), stats.get("max")],
                     style={"type": "raster", "paint": {"raster-opacity": 0.75}, "layout": {}})
        return entry
    try:
        kind = get_kind(layer.kind)
    except UnknownKind:
        return None
    entry.update(type="vector", geometry=kind.geometry, tiles=tile_template(request, [layer]),
                 tile_maxzoom=min(layer.max_zoom, _OVERLAY_MAXZOOM), style=_drawable_style(layer))
    return entry


def messages() -> dict[str, str]:
    """Texts the script shows, translated here so the page needs no second catalogue."""
    return {
        "layers": _("Layers"), "basemap": _("Basemap"), "light": _("Light"), "dark": _("Dark (dispatch room)"),
        "search": _("Search"), "search_placeholder": _("Commune, district, “tờ 12 thửa 345”, or coordinates"),
        "no_match": _("Nothing found for “%(q)s”."), "search_failed": _("Search failed: %(reason)s"),
        "opacity": _("Opacity"), "legend": _("Legend"), "measure_distance": _("Measure distance"),
        "measure_area": _("Measure area"), "measure_clear": _("Clear measurement"),
        "measure_hint": _("Click on the map to add points; double-click to finish."),
        "export_png": _("Export PNG"), "bad_hash": _("The map link was not valid; the default view is shown."),
        "unknown_layers": _("Not available, ignored: %(layers)s"),
        "no_features": _("Nothing here in the visible layers."),
        "identify_failed": _("Could not read the features here: %(reason)s"), "decision": _("Decision document"),
        "close": _("Close"), "menu": _("Map layers and tools"), "distance": _("Distance"), "area": _("Area"),
        "zoom_in_to_see": _("Zoom in to see this layer"), "coordinates": _("Coordinates"),
        "results": _("Results"), "theme_other": _("Other"),
    }


def _themes() -> dict[str, str]:
    return {value: str(label) for value, label in Layer.Theme.choices}


def map_config(request, user, language: str) -> dict:
    overlays = [entry for layer in overlay_layers(user) if (entry := overlay_entry(request, layer, language))]
    themes = _themes()
    present = list(dict.fromkeys(entry["theme"] for entry in overlays))
    return {
        "language": language,
        "view": getattr(settings, "MAP_DEFAULT_VIEW", DEFAULT_VIEW),
        "bases": {base: request.build_absolute_uri(reverse("map-style", args=[base])) for base in BASES},
        "themes": [{"key": key, "title": themes.get(key, key)} for key in present],
        "overlays": overlays,
        "attribution": getattr(settings, "MAP_ATTRIBUTION", ATTRIBUTION),
        "urls": {"search": request.build_absolute_uri(reverse("api:map_search")),
                 "identify": request.build_absolute_uri(reverse("api:map_identify"))},
        "messages": messages(),
    }
