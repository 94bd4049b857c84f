"""MapLibre styles of layers: the kind's default unless the data steward saved another; checked before saving."""

import re

from django.db import transaction
from django.urls import reverse

from portal.accounts import audit
from portal.errors import InvalidInput

from .models import Layer
from .registry import get_kind

__all__ = ["layer_style", "style_document", "check_style", "do_save_style"]

_TYPES = {"fill": "fill-", "line": "line-", "circle": "circle-", "symbol": ("icon-", "text-", "symbol-"),
          "fill-extrusion": "fill-extrusion-", "heatmap": "heatmap-"}
_PROPERTY = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
_LAYOUT_COMMON = {"visibility"}


def layer_style(layer: Layer) -> dict:
    return layer.style or get_kind(layer.kind).default_style


def _check_value(value, where: str, depth: int = 0) -> None:
    if depth > 8:
        raise InvalidInput(f"{where} is nested too deeply", field="style")
    if isinstance(value, list):
        for item in value:
            _check_value(item, where, depth + 1)
    elif isinstance(value, dict):  # older function syntax: {"stops": …}
        for item in value.values():
            _check_value(item, where, depth + 1)
    elif not isinstance(value, str | int | float | bool) and value is not None:
        raise InvalidInput(f"{where} holds a value MapLibre cannot read", field="style")


def check_style(style: dict) -> dict:
    """Accept {"type", "paint", "layout"} whose properties belong to that type; refuse anything else."""
    if not isinstance(style, dict) or set(style) - {"type", "paint", "layout"}:
        raise InvalidInput("a style holds only type, paint and layout", field="style")
    kind = style.get("type")
    if kind not in _TYPES:
        raise InvalidInput(f"type must be one of {', '.join(sorted(_TYPES))}", field="style.type")
    for part in ("paint", "layout"):
        properties = style.get(part, {})
        if not isinstance(properties, dict):
            raise InvalidInput(f"{part} must be an object", field=f"style.{part}")
        for name, value in properties.items():
            belongs = name.startswith(_TYPES[kind]) or (part == "layout" and name in _LAYOUT_COMMON)
            if not _PROPERTY.match(name) or not belongs:
                raise InvalidInput(f"{name!r} is not a {part} property of a {kind} layer", field=f"style.{part}")
            _check_value(value, f"style.{part}.{name}")
    return style


@transaction.atomic
def do_save_style(*, layer: Layer, style: dict, actor, ip: str | None = None) -> Layer:
    """The layer's style replaced by `style` once checked, with an audit row of before and after."""
    style = check_style(style)
    previous = layer.style
    layer.style = style
    layer.save(update_fields=["style", "updated_at"])
    audit.layer_style_saved(actor=actor, layer=layer, previous=previous, style=style, ip=ip)
    return layer


def style_document(request, layer: Layer) -> dict:
    """A MapLibre style (version 8) showing this one layer from the portal's own tiles: no other host."""
    style = layer_style(layer)
    tilejson = request.build_absolute_uri(reverse("tiles:tilejson", args=[layer.slug]))
    return {
        "version": 8,
        "name": layer.title_vi,
        "sources": {layer.slug: {"type": "vector", "url": tilejson, "attribution": layer.attribution}},
        "layers": [{"id": layer.slug, "source": layer.slug, "source-layer": layer.slug, "minzoom": layer.min_zoom,
                    "maxzoom": layer.max_zoom + 1, "type": style["type"], "paint": style.get("paint", {}),
                    "layout": style.get("layout", {})}],
    }
