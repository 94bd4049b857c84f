"""Collections: the vector layers a caller may see, with extents, CRSs, links and queryables.

Visibility is the catalog's own rule (Layer.objects.visible_to) and the public columns are the exports' own
(export_fields), so this API shows exactly what the portal shows: a layer the caller may not see is
answered exactly as one that does not exist.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.gis.db.models import Extent
from django.core.cache import cache
from django.db.models import Max, Min

from ..exporting import ExportField, export_fields
from ..models import Layer
from ..registry import LayerKind, all_kinds
from .cql2 import GEOMETRY
from .crs import STORAGE, SUPPORTED
from .errors import NotFound

__all__ = ["Collection", "visible_collections", "find_collection", "collection_document", "queryables_document",
           "JSON_TYPES"]

UrlFor = Callable[..., str]  # (route name, *args, **query) -> absolute URL
JSON_TYPES = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
              bool: {"type": "boolean"}, date: {"type": "string", "format": "date"}}
_GEOMETRY_FORMATS = {"Point": "geometry-point", "LineString": "geometry-linestring", "Polygon": "geometry-polygon",
                     "MultiPoint": "geometry-multipoint", "MultiLineString": "geometry-multilinestring",
                     "MultiPolygon": "geometry-multipolygon"}
_GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
EXTENT_SECONDS = 60


@dataclass
class Collection:
    """A layer served as a feature collection: its kind and its public columns (the queryables)."""

    layer: Layer
    kind: LayerKind
    fields: dict[str, ExportField]
    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[str | None, str | None] | None = None

    @property
    def id(self) -> str:
        return self.layer.slug

    @property
    def geometry_type(self) -> str:
        return self.kind.model._meta.get_field("geom").geom_class.__name__


def _collection(layer: Layer) -> Collection:
    kind = all_kinds()[layer.kind]
    return Collection(layer, kind, {field.name: field for field in export_fields(kind)})


def visible_collections(user, *, with_extents: bool = True) -> list[Collection]:
    """Every vector layer `user` may see, in catalog order; rasters and unknown kinds are not collections."""
    collections = [_collection(layer) for layer in Layer.objects.visible_to(user).filter(kind__in=list(all_kinds()))]
    if with_extents:
        _add_extents(collections)
    return collections


def find_collection(user, collection_id: str, *, with_extent: bool = False) -> Collection:
    layer = Layer.objects.visible_to(user).filter(slug=collection_id, kind__in=list(all_kinds())).first()
    if layer is None:
        raise NotFound("No collection with this id.")
    collection = _collection(layer)
    if with_extent:
        _add_extents([collection])
    return collection


def _extent_key(collection: Collection) -> str:
    return f"ogcapi:extent:{collection.layer.pk}:v{collection.layer.version}"


def _add_extents(collections: Iterable[Collection]) -> None:
    """Spatial and temporal extents: from the cache (keyed by layer version, kept EXTENT_SECONDS for edits that
    bump no version), else one aggregate query per kind whatever the number of layers."""
    collections = list(collections)
    cached = cache.get_many([_extent_key(c) for c in collections])
    by_kind: dict[str, list[Collection]] = defaultdict(list)
    for collection in collections:
        if _extent_key(collection) in cached:
            collection.bbox, collection.interval = cached[_extent_key(collection)]
        else:
            by_kind[collection.kind.key].append(collection)
    fresh = {}
    for members in by_kind.values():
        model = members[0].kind.model
        rows = (model.objects.filter(layer_id__in=[c.layer.pk for c in members]).order_by().values("layer_id")
                .annotate(extent=Extent("geom"), first=Min("updated_at"), last=Max("updated_at")))
        found = {row["layer_id"]: row for row in rows}
        for collection in members:
            row = found.get(collection.layer.pk)
            if row and row["extent"]:
                collection.bbox = tuple(round(v, 8) for v in row["extent"])
                collection.interval = (row["first"].isoformat(), row["last"].isoformat())
            fresh[_extent_key(collection)] = (collection.bbox, collection.interval)
    cache.set_many(fresh, timeout=EXTENT_SECONDS)


def _link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def collection_document(collection: Collection, url_for: UrlFor, language: str, *, self_rel: str = "self") -> dict:
    """The collection as /collections and /collections/{id} describe it (Part 1 and Part 2)."""
    layer, cid = collection.layer, collection.id
    doc = {
        "id": cid,
        "title": layer.title(language),
        "description": layer.description,
        "keywords": [layer.theme, collection.geometry_type],
        "attribution": layer.attribution,
        "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED],
        "storageCrs": STORAGE.uri,
        "links": [
            _link(url_for("collection", cid, f="json"), self_rel, "application/json", "This collection"),
            _link(url_for("collection", cid, f="html"), "alternate", "text/html", "This collection as HTML"),
            _link(url_for("items", cid, f="json"), "items", "application/geo+json", "Features as GeoJSON"),
            _link(url_for("items", cid, f="html"), "items", "text/html", "Features as HTML"),
            _link(url_for("queryables", cid, f="json"), "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  "application/schema+json", "Properties a filter may use"),
            _link(url_for("tilesets", cid), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                  "application/json", "Vector tilesets"),
        ],
    }
    if layer.licence:
        doc["license"] = layer.licence
    if collection.bbox:
        doc["extent"] = {
            "spatial": {"bbox": [list(collection.bbox)], "crs": STORAGE.uri},
            "temporal": {"interval": [list(collection.interval)], "trs": _GREGORIAN},
        }
    return doc


def property_schema(field: ExportField, language: str) -> dict:
    title = (field.label_en if language == "en" else field.label_vi) or field.name
    return {**JSON_TYPES.get(field.type, {"type": "string"}), "title": title}


def queryables_document(collection: Collection, url_for: UrlFor, language: str) -> dict:
    """JSON Schema of what a filter (and a query parameter of the same name) may name: public columns only."""
    properties = {GEOMETRY: {"title": "Geometry", "x-ogc-role": "primary-geometry",
                             "format": _GEOMETRY_FORMATS.get(collection.geometry_type, "geometry-any")}}
    properties.update({name: property_schema(field, language) for name, field in collection.fields.items()})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url_for("queryables", collection.id),
        "type": "object",
        "title": collection.layer.title(language),
        "properties": properties,
        "additionalProperties": False,
    }
