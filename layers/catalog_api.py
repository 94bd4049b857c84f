"""Layer catalog API at /api/layers/: the layers a caller may see, one layer's public columns, its exports.

A layer the caller may not see answers exactly as a layer that does not exist: 404, same body.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count
from django.http import HttpRequest, HttpResponseNotModified
from django.urls import reverse
from django.utils.http import content_disposition_header, parse_etags
from ninja import Field, Query, Router, Schema

from portal.accounts.auth import public_access
from portal.errors import NotFound, PermissionDenied
from portal.ratelimit import client_ip
from portal.streaming import streaming_response

from .exporting import FORMATS, FormatName, export_etag, export_fields, export_layer
from .models import Layer
from .permissions import can_edit_layer
from .registry import UnknownKind, get_kind
from .styles import do_save_style, layer_style

__all__ = ["router"]


router = Router(auth=public_access)

_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", date: "date"}


class LayerOut(Schema):
    slug: str
    kind: str
    title_vi: str
    title_en: str
    theme: str
    geometry_type: str | None = Field(None, description="Point, LineString or Polygon; null for rasters")
    visibility: str
    version: int
    min_zoom: int
    max_zoom: int
    licence: str
    attribution: str
    feature_count: int

    @staticmethod
    def resolve_geometry_type(obj: Layer) -> str | None:
        try:
            return get_kind(obj.kind).geometry
        except UnknownKind:
            return None


class ColumnOut(Schema):
    name: str
    type: str = Field(..., description="string, integer, number, boolean or date")
    label_vi: str
    label_en: str


class LayerDetailOut(LayerOut):
    description: str
    source: str
    columns: list[ColumnOut]
    exports: dict[str, str] = Field(..., description="format -> download URL")


class ExportQuery(Schema):
    format: FormatName = Field(..., description="gpkg, geojson, shp (zipped), csv (WKT geometry), fgb or kml")


def _caller(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]  # the user every auth method above returns


def _visible_layer(request: HttpRequest, slug: str) -> Layer:
    layer = Layer.objects.visible_to(_caller(request)).filter(slug=slug).first()
    if layer is None:
        raise NotFound("No layer with this name.")
    return layer


def _with_feature_counts(layers: Iterable[Layer]) -> list[Layer]:
    """Set `feature_count` on each layer with one COUNT query per kind, whatever the number of layers."""
    layers = list(layers)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for layer in layers:
        by_kind[layer.kind].append(layer.pk)
    counts: dict[int, int] = {}
    for key, ids in by_kind.items():
        try:
            model = get_kind(key).model
        except UnknownKind:
            continue
        rows = model.objects.filter(layer_id__in=ids).values("layer_id").annotate(n=Count("pk"))
        counts.update({row["layer_id"]: row["n"] for row in rows.order_by()})
    for layer in layers:
        layer.feature_count = counts.get(layer.pk, 0)
    return layers


@router.get("/", response=list[LayerOut], summary="Layers visible to the caller")
def layer_list(request):
    return _with_feature_counts(Layer.objects.visible_to(_caller(request)))


@router.get("/{slug}", response=LayerDetailOut, summary="One layer with its public columns")
def layer_detail(request, slug: str):
    layer = _with_feature_counts([_visible_layer(request, slug)])[0]
    try:
        fields = export_fields(get_kind(layer.kind))
    except UnknownKind:
        fields = []
    export_url = request.build_absolute_uri(reverse("api:layer_export", kwargs={"slug": layer.slug}))
    layer.columns = [{"name": f.name, "type": _TYPE_NAMES.get(f.type, "string"), "label_vi": f.label_vi,
                      "label_en": f.label_en} for f in fields]
    layer.exports = {name: f"{export_url}?format={name}" for name in FORMATS} if fields else {}
    return layer


@router.get("/{slug}/export", url_name="layer_export", summary="Download a layer (public columns only)")
def layer_export(request, slug: str, q: Query[ExportQuery]):
    layer = _visible_layer(request, slug)
    etag = export_etag(layer, q.format)
    cache_control = "no-cache" if layer.visibility == Layer.Visibility.PUBLIC else "private, no-cache"
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    export = export_layer(layer, q.format)
    headers["Content-Disposition"] = content_disposition_header(True, export.filename)
    if export.size is not None:
        headers["Content-Length"] = str(export.size)
    return streaming_response(request, export, close=export.close, content_type=export.media_type, headers=headers)




class StyleIn(Schema):
    type: str
    paint: dict = {}
    layout: dict = {}


@router.put("/{slug}/style", summary="Save the layer's MapLibre style (data stewards of the layer)")
def save_style(request, slug: str, style: StyleIn):
    layer = _visible_layer(request, slug)
    if not can_edit_layer(_caller(request), layer):
        raise PermissionDenied("only the layer's data stewards may change its style")
    do_save_style(layer=layer, style=style.dict(), actor=_caller(request), ip=client_ip(request))
    return layer_style(layer)
