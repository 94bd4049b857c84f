"""What is under a click: the public attributes of the features of the visible layers near a point,
labelled in the caller's language from the registry, with links to plan decision documents.
"""

import json
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON, Distance
from django.contrib.gis.geos import Point
from django.urls import reverse

from layers.models import LandUseCode, Layer, PlanDecision
from layers.registry import LayerKind, UnknownKind, get_kind
from portal.errors import InvalidInput

__all__ = ["MAX_LAYERS", "PER_LAYER", "identify", "tolerance_m"]

MAX_LAYERS = 20
PER_LAYER = 3
_PIXELS = 5  # how far from the click a line or point still counts as hit
_COMPUTED = {"area_m2": ("Diện tích (m²)", "Area (m²)"), "length_m": ("Chiều dài (m)", "Length (m)")}


@dataclass(frozen=True)
class _Found:
    layer: Layer
    kind: LayerKind


def tolerance_m(zoom: float) -> float:
    """Web Mercator units per `_PIXELS` screen pixels at this zoom (512-px tiles, as MapLibre draws)."""
    return _PIXELS * 2 * 20037508.342789244 / (512 * 2**zoom)


def _layers(slugs: list[str], user) -> list[_Found]:
    found = {layer.slug: layer for layer in Layer.objects.visible_to(user).filter(slug__in=slugs)}
    out = []
    for slug in slugs:
        layer = found.get(slug)
        if layer is None:
            continue  # hidden or gone: answered as if it held nothing here
        try:
            out.append(_Found(layer, get_kind(layer.kind)))
        except UnknownKind:
            continue  # rasters have their own value endpoint
    return out


def _value(value):
    if isinstance(value, float):
        return round(value, 2)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _links(kind: LayerKind, values: dict, request) -> list[dict]:
    numbers = [values[c.name] for c in kind.columns if c.references == "PlanDecision" and values.get(c.name)]
    links = []
    for decision in PlanDecision.objects.filter(number__in=numbers).exclude(document=""):
        links.append({"title": f"{decision.number} — {decision.title}",
                      "url": request.build_absolute_uri(reverse("map-decision-document", args=[decision.pk]))})
    return links


def _features(found: _Found, point: Point, zoom: float, language: str, request) -> list[dict]:
    kind, layer = found.kind, found.layer
    if not layer.min_zoom <= zoom <= layer.max_zoom + 1:
        return []
    paths = kind.public_paths
    near = kind.features(layer).filter(geom_3857__dwithin=(point, tolerance_m(zoom)))
    rows = (near.annotate(_d=Distance("geom_3857", point), _geo=AsGeoJSON("geom", precision=6))
            .order_by("_d").values("_d", "_geo", *paths.values())[:PER_LAYER])
    codes = {}
    use_columns = [c.name for c in kind.columns if c.references == "LandUseCode" and c.public]
    features = []
    for row in rows:
        values = {name: _value(row[path]) for name, path in paths.items()}
        attributes = []
        for column in kind.columns:
            if not column.public or values.get(column.name) in (None, ""):
                continue
            label = column.label_en if language == "en" else column.label_vi
            shown = values[column.name]
            if column.name in use_columns:
                if shown not in codes:
                    code = LandUseCode.objects.filter(pk=shown).first()
                    codes[shown] = code.name_en if code and language == "en" else (code.name_vi if code else "")
                shown = f"{shown} – {codes[shown]}" if codes[shown] else shown
            attributes.append({"name": column.name, "label": label or column.name, "value": shown})
        for name in kind.computed:
            if values.get(name) is not None:
                vi, en = _COMPUTED.get(name, (name, name))
                attributes.append({"name": name, "label": en if language == "en" else vi, "value": values[name]})
        geometry = row["_geo"]
        features.append({"layer": layer.slug, "layer_title": layer.title(language), "id": values.get("ext_id"),
                         "attributes": attributes, "links": _links(kind, values, request),
                         "geometry": json.loads(geometry) if geometry and len(geometry) < 200_000 else None})
    return features


def identify(request, *, lon: float, lat: float, zoom: float, layers: str, user, language: str) -> list[dict]:
    if not (-180 <= lon <= 180 and -85.06 <= lat <= 85.06):
        raise InvalidInput("lon must be within −180…180 and lat within −85…85", field="lon")
    if not 0 <= zoom <= 24:
        raise InvalidInput("zoom must be within 0…24", field="zoom")
    slugs = list(dict.fromkeys(slug for slug in layers.split(",") if slug))
    if len(slugs) > MAX_LAYERS:
        raise InvalidInput(f"at most {MAX_LAYERS} layers at once", field="layers")
    point = Point(lon, lat, srid=4326).transform(3857, clone=True)
    out = []
    for found in _layers(slugs, user):
        out.extend(_features(found, point, zoom, language, request))
    return out
