"""The portal's basemap as a MapLibre style: a calm light one, and a dark one for the dispatch room.

One vector source serves every basemap layer the caller may see in one tile request
(/tiles/a,b,c/{z}/{x}/{y}.mvt); style layers are made per layer *kind*, so a second roads layer (the
demo streets beside OSM) is drawn like the first. Glyphs and sprites are the portal's own (built/map).
"""

from collections.abc import Callable

from django.conf import settings

from layers.models import Layer

from .tiles import tile_template

__all__ = ["BASES", "BASEMAP_KINDS", "basemap_layers", "basemap_style"]

BASES = ("light", "dark")
BASEMAP_KINDS = ("admin_area", "basemap_landuse", "basemap_water", "basemap_building", "basemap_road",
                 "basemap_place", "admin_label")
SOURCE = "basemap"
FONT_REGULAR, FONT_BOLD = ["NotoSans-Regular"], ["NotoSans-Bold"]
_MAXZOOM = 16  # deeper views overzoom these tiles: nothing in the basemap needs finer than ~15 cm

PALETTES = {
    "light": {
        "background": "#e4eaee", "land": "#f6f4ef", "water": "#a9cfe0", "building": "#ddd5cc",
        "building_line": "#c9beb2", "green": "#d7e8c6", "residential": "#efebe5", "commercial": "#f2e6e2",
        "institution": "#f1e9d6", "industrial": "#e8e2ea", "road": "#ffffff", "road_major": "#fbe3a6",
        "casing": "#c8c4bd", "path": "#b9aea0", "province": "#8a7196", "district": "#a592ad", "commune": "#c2b5c8",
        "text": "#3d4650", "text_admin": "#5b4a63", "halo": "#ffffff", "poi_text": "#5d5670",
    },
    "dark": {
        "background": "#0d1217", "land": "#1b232b", "water": "#0f3148", "building": "#2c3640",
        "building_line": "#384450", "green": "#1e3026", "residential": "#212a33", "commercial": "#2a2730",
        "institution": "#2a2a25", "industrial": "#262433", "road": "#3a4652", "road_major": "#6b5a33",
        "casing": "#11171d", "path": "#4c5864", "province": "#b89bc4", "district": "#8d7a99", "commune": "#5e5468",
        "text": "#d5dde5", "text_admin": "#cdbdd6", "halo": "#0d1217", "poi_text": "#b9b2cc",
    },
}

_GREEN = ["park", "garden", "grass", "forest", "wood", "meadow", "pitch", "recreation_ground", "cemetery",
          "village_green", "scrub", "farmland", "orchard", "playground"]
_INSTITUTION = ["school", "university", "college", "kindergarten", "hospital", "clinic", "place_of_worship",
                "religious", "research_institute", "military"]
_MAJOR = ["motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link",
          "secondary_link"]
_MINOR = ["tertiary", "tertiary_link", "unclassified", "residential", "living_street", "road", "service",
          "construction"]
_PATHS = ["footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway"]


def _width(base: float) -> list:
    """Road width growing with zoom, as a reader expects from a paper map."""
    return ["interpolate", ["exponential", 1.6], ["zoom"], 10, base * 0.3, 14, base, 18, base * 6]


def _landuse(layer: Layer, c: dict) -> list[dict]:
    colour = ["match", ["get", "landuse"], _GREEN, c["green"], _INSTITUTION, c["institution"],
              ["residential"], c["residential"], ["commercial", "retail"], c["commercial"],
              ["industrial", "construction", "parking"], c["industrial"], c["land"]]
    return [{"id": f"{layer.slug}-fill", "type": "fill", "paint": {"fill-color": colour}}]


def _water(layer: Layer, c: dict) -> list[dict]:
    return [{"id": f"{layer.slug}-fill", "type": "fill", "paint": {"fill-color": c["water"]}}]


def _building(layer: Layer, c: dict) -> list[dict]:
    return [{"id": f"{layer.slug}-fill", "type": "fill", "minzoom": 14,
             "paint": {"fill-color": c["building"], "fill-outline-color": c["building_line"],
                       "fill-opacity": ["interpolate", ["linear"], ["zoom"], 14, 0.4, 16, 1]}}]


def _road(layer: Layer, c: dict) -> list[dict]:
    slug = layer.slug
    major = ["in", ["get", "highway"], ["literal", _MAJOR]]
    minor = ["in", ["get", "highway"], ["literal", _MINOR]]
    paths = ["in", ["get", "highway"], ["literal", _PATHS]]
    round_join = {"line-join": "round", "line-cap": "round"}
    return [
        {"id": f"{slug}-path", "type": "line", "filter": paths, "minzoom": 15, "layout": round_join,
         "paint": {"line-color": c["path"], "line-width": 1, "line-dasharray": [2, 1.5]}},
        {"id": f"{slug}-minor-casing", "type": "line", "filter": minor, "layout": round_join,
         "paint": {"line-color": c["casing"], "line-width": _width(3.2)}},
        {"id": f"{slug}-major-casing", "type": "line", "filter": major, "layout": round_join,
         "paint": {"line-color": c["casing"], "line-width": _width(5.2)}},
        {"id": f"{slug}-minor", "type": "line", "filter": minor, "layout": round_join,
         "paint": {"line-color": c["road"], "line-width": _width(2.4)}},
        {"id": f"{slug}-major", "type": "line", "filter": major, "layout": round_join,
         "paint": {"line-color": c["road_major"], "line-width": _width(4)}},
        {"id": f"{slug}-label", "type": "symbol", "minzoom": 14, "filter": ["!=", ["get", "name"], ""],
         "layout": {"symbol-placement": "line", "text-field": ["get", "name"], "text-font": FONT_REGULAR,
                    "text-size": ["interpolate", ["linear"], ["zoom"], 14, 10, 18, 14], "text-max-angle": 30},
         "paint": {"text-color": c["text"], "text-halo-color": c["halo"], "text-halo-width": 1.5}},
    ]


def _place(layer: Layer, c: dict) -> list[dict]:
    # OSM categories are mostly maki icon names already (cafe, school, hospital, bank, fuel, …).
    icon = ["coalesce", ["image", ["get", "category"]], ["image", "marker"]]
    return [{"id": f"{layer.slug}-icon", "type": "symbol", "minzoom": 16,
             "layout": {"icon-image": icon, "icon-size": 1, "text-field": ["get", "name"], "text-font": FONT_REGULAR,
                        "text-size": 11, "text-offset": [0, 1.1], "text-anchor": "top", "text-optional": True,
                        "text-max-width": 8},
             "paint": {"text-color": c["poi_text"], "text-halo-color": c["halo"], "text-halo-width": 1.2}}]


def _admin_area(layer: Layer, c: dict) -> list[dict]:
    slug = layer.slug
    level = ["get", "level"]
    return [
        {"id": f"{slug}-land", "type": "fill", "filter": ["==", level, "province"],
         "paint": {"fill-color": c["land"]}},
        {"id": f"{slug}-commune", "type": "line", "minzoom": 10, "filter": ["==", level, "commune"],
         "paint": {"line-color": c["commune"], "line-width": 0.8, "line-dasharray": [1, 2]}},
        {"id": f"{slug}-district", "type": "line", "minzoom": 7, "filter": ["==", level, "district"],
         "paint": {"line-color": c["district"], "line-width": ["interpolate", ["linear"], ["zoom"], 7, 0.6, 12, 1.6],
                   "line-dasharray": [4, 2]}},
        {"id": f"{slug}-province", "type": "line", "filter": ["==", level, "province"],
         "paint": {"line-color": c["province"], "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.8, 12, 3]}},
    ]


def _admin_label(layer: Layer, c: dict) -> list[dict]:
    slug = layer.slug
    paint = {"text-color": c["text_admin"], "text-halo-color": c["halo"], "text-halo-width": 1.6}

    def label(level: str, minzoom: float, maxzoom: float, font: list[str], size: list) -> dict:
        return {"id": f"{slug}-{level}", "type": "symbol", "minzoom": minzoom, "maxzoom": maxzoom,
                "filter": ["==", ["get", "level"], level],
                "layout": {"text-field": ["get", "name"], "text-font": font, "text-size": size,
                           "text-max-width": 7, "text-padding": 4},
                "paint": paint}

    return [label("commune", 11, 24, FONT_REGULAR, ["interpolate", ["linear"], ["zoom"], 11, 11, 15, 14]),
            label("district", 8, 12, FONT_BOLD, ["interpolate", ["linear"], ["zoom"], 8, 11, 11, 14]),
            label("province", 5, 9, FONT_BOLD, ["interpolate", ["linear"], ["zoom"], 5, 11, 8, 15])]


_BY_KIND: dict[str, Callable[[Layer, dict], list[dict]]] = {
    "admin_area": _admin_area, "basemap_landuse": _landuse, "basemap_water": _water,
    "basemap_building": _building, "basemap_road": _road, "basemap_place": _place, "admin_label": _admin_label,
}


def basemap_layers(user) -> list[Layer]:
    """The basemap layers the caller may see, in drawing order (areas under lines under labels)."""
    found = list(Layer.objects.visible_to(user).filter(kind__in=BASEMAP_KINDS))
    return sorted(found, key=lambda layer: (BASEMAP_KINDS.index(layer.kind), layer.slug))


def basemap_style(request, base: str, layers: list[Layer]) -> dict:
    """A complete MapLibre style (version 8) whose every URL points at this portal."""
    colours = PALETTES[base]
    style_layers: list[dict] = [{"id": "background", "type": "background",
                                 "paint": {"background-color": colours["background"]}}]
    for layer in layers:
        for item in _BY_KIND[layer.kind](layer, colours):
            item.update({"source": SOURCE, "source-layer": layer.slug})
            item["minzoom"] = max(item.get("minzoom", 0), layer.min_zoom)
            style_layers.append(item)
    style = {
        "version": 8,
        "name": f"portal-{base}",
        # Unhashed names: MapLibre fills in the template itself, so the manifest cannot be asked.
        "glyphs": request.build_absolute_uri(f"{settings.STATIC_URL}map/fonts/") + "{fontstack}/{range}.pbf",
        "sprite": request.build_absolute_uri(f"{settings.STATIC_URL}map/sprites/{base}"),
        "sources": {},
        "layers": style_layers,
    }
    if layers:
        style["sources"][SOURCE] = {
            "type": "vector", "tiles": [tile_template(request, layers)],
            "minzoom": min(layer.min_zoom for layer in layers), "maxzoom": _MAXZOOM,
            # Credited once, in the map's own attribution (MAP_ATTRIBUTION): the catalog's long texts would
            # cover a phone's screen.
        }
    else:
        style["layers"] = style_layers[:1]
    return style
