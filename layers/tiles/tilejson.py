"""TileJSON 3.0 for a layer or a composite: where the tiles are, zooms, bounds, fields per vector layer."""

from django.contrib.gis.db.models import Extent

from layers.models import Layer
from layers.registry import get_kind

__all__ = ["tilejson", "vector_layer"]

_FIELD_TYPES = {str: "String", int: "Number", float: "Number", bool: "Boolean"}


def _bounds(layers: list[Layer]) -> list[float]:
    boxes = [get_kind(layer.kind).features(layer).aggregate(box=Extent("geom"))["box"] for layer in layers]
    boxes = [box for box in boxes if box]
    if not boxes:
        return [-180.0, -85.0511, 180.0, 85.0511]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def vector_layer(layer: Layer) -> dict:
    """A layer's entry in `vector_layers` (TileJSON, PMTiles and MBTiles metadata): the fields its tiles carry."""
    kind = get_kind(layer.kind)
    return {"id": layer.slug, "description": layer.title_en, "minzoom": layer.min_zoom, "maxzoom": layer.max_zoom,
            "fields": {name: _FIELD_TYPES[kind.column(name).type] for name in kind.tile_columns}}


def tilejson(request, layers: list[Layer]) -> dict:
    names = ",".join(layer.slug for layer in layers)
    versions = "-".join(str(layer.version) for layer in layers)
    # The version in the URL makes clients fetch new tiles after an import, whatever they cached.
    template = request.build_absolute_uri(f"/tiles/{names}/") + "{z}/{x}/{y}.mvt" + f"?v={versions}"
    bounds = _bounds(layers)
    minzoom = min(layer.min_zoom for layer in layers)
    maxzoom = max(layer.max_zoom for layer in layers)
    return {
        "tilejson": "3.0.0",
        "name": " + ".join(layer.title_en for layer in layers),
        "description": " + ".join(layer.title_vi for layer in layers),
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, max(minzoom, min(14, maxzoom))],
        "attribution": " · ".join(sorted({layer.attribution for layer in layers if layer.attribution})),
        "vector_layers": [vector_layer(layer) for layer in layers],
    }
