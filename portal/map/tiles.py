"""Tile URL templates for the map, versioned so that a client never keeps a tile from before an import."""

from django.urls import reverse

from layers.models import Layer

__all__ = ["tile_template", "raster_template"]


def tile_template(request, layers: list[Layer]) -> str:
    names = ",".join(layer.slug for layer in layers)
    versions = "-".join(str(layer.version) for layer in layers)
    base = request.build_absolute_uri(reverse("tiles:tilejson", args=[names]))
    return base.removesuffix(".json") + "/{z}/{x}/{y}.mvt" + f"?v={versions}"


def raster_template(request, layer: Layer) -> str:
    base = request.build_absolute_uri(f"/tiles/raster/{layer.slug}/")
    return base + "{z}/{x}/{y}.png" + f"?v={layer.version}"
