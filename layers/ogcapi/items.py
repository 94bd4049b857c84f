"""Items: the query parameters of /items (Parts 1-3) turned into one queryset, and the features it reads.

Every value a client sends reaches the database as a bound parameter; every column named comes from the
collection's public columns, so private columns are neither selectable, sortable nor filterable.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from django.db import DataError, InternalError
from django.db.models import F, Q, Value
from django.db.models.lookups import Exact
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from ..exporting import ExportField, json_value
from .collections import Collection
from .cql2 import FILTER_LANGS, parse_filter, to_q
from .crs import CRS84, Crs, geojson_expression, parse_bbox, parse_crs
from .errors import InvalidParameter, NotFound

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PARAMETERS", "ItemsQuery", "Page", "parse_items_query", "read_page",
           "read_feature", "parse_output_crs"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
PARAMETERS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "properties", "sortby",
                        "filter", "filter-lang", "filter-crs"})
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    crs: Crs
    condition: Q
    properties: tuple[ExportField, ...]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    features: list[dict]
    number_matched: int
    query: ItemsQuery

    @property
    def number_returned(self) -> int:
        return len(self.features)

    @property
    def next_offset(self) -> int | None:
        end = self.query.offset + self.number_returned
        return end if self.number_returned and end < self.number_matched else None

    @property
    def prev_offset(self) -> int | None:
        return max(0, self.query.offset - self.query.limit) if self.query.offset > 0 else None


def _whole_number(params: QueryDict, name: str, default: int, minimum: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise InvalidParameter(f"{name}: a whole number of at least {minimum} is expected.", parameter=name)
    return number


def parse_output_crs(params: QueryDict) -> Crs:
    return parse_crs(params["crs"], parameter="crs") if params.get("crs") else CRS84


def parse_items_query(params: QueryDict, collection: Collection) -> ItemsQuery:
    """Check every parameter of /items up front; a value this service cannot answer is a 400, never a 500."""
    fields = collection.fields
    unknown = sorted(set(params) - PARAMETERS - set(fields))
    if unknown:
        raise InvalidParameter(f"Unknown query parameter: {', '.join(unknown)}. The collection's queryables "
                               "may be used as parameters too.", parameter=unknown[0])
    condition = Q()
    if params.get("bbox"):
        bbox_crs = parse_crs(params["bbox-crs"], parameter="bbox-crs") if params.get("bbox-crs") else CRS84
        box = parse_bbox(params["bbox"], bbox_crs)
        # A longitude/latitude or Web Mercator box is a rectangle in EPSG:3857: use the indexed column.
        column = "geom_3857" if bbox_crs.geographic or bbox_crs.srid == 3857 else "geom"
        condition &= Q(**{f"{column}__intersects": box})
    if params.get("datetime"):
        condition &= _datetime_condition(params["datetime"])
    for name in sorted(set(params) & set(fields)):
        field = fields[name]
        condition &= Q(Exact(F(field.path), Value(_parameter_value(params[name], field))))
    if params.get("filter"):
        lang = params.get("filter-lang", "cql2-text")
        if lang not in FILTER_LANGS:
            raise InvalidParameter(f"filter-lang: use {' or '.join(FILTER_LANGS)}.", parameter="filter-lang")
        filter_crs = parse_crs(params["filter-crs"], parameter="filter-crs") if params.get("filter-crs") else CRS84
        condition &= to_q(parse_filter(params["filter"], lang), fields, filter_crs=filter_crs)
    return ItemsQuery(
        limit=min(_whole_number(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT),
        offset=_whole_number(params, "offset", 0, 0),
        crs=parse_output_crs(params),
        condition=condition,
        properties=_properties(params.get("properties"), fields),
        order=_order(params.get("sortby"), fields),
    )


def _parameter_value(text: str, field: ExportField) -> Any:
    try:
        if field.type is bool:
            if text.lower() not in (*_TRUE, *_FALSE):
                raise ValueError(text)
            return text.lower() in _TRUE
        if field.type is date:
            return date.fromisoformat(text)
        value = field.type(text)
    except ValueError as exc:
        raise InvalidParameter(f"{field.name}: {text!r} is not a valid value.", parameter=field.name) from exc
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParameter(f"{field.name}: {text!r} is not a valid value.", parameter=field.name)
    return value


def _properties(text: str | None, fields: dict[str, ExportField]) -> tuple[ExportField, ...]:
    if text is None:
        return tuple(fields.values())
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise InvalidParameter(f"properties: {', '.join(unknown)} not among this collection's properties.",
                               parameter="properties")
    return tuple(fields[name] for name in dict.fromkeys(names))


def _order(text: str | None, fields: dict[str, ExportField]) -> tuple[str, ...]:
    """sortby=+a,-b (a '+' sent unencoded arrives as a space): public columns only, then the key for stability."""
    order = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        descending = item.strip().startswith("-")
        name = item.strip().lstrip("+-").strip()
        if name not in fields:
            raise InvalidParameter(f"sortby: {name!r} is not a property this collection can be sorted by.",
                                   parameter="sortby")
        order.append(("-" if descending else "") + fields[name].path)
    return (*order, "pk")


def _instant(text: str, *, end: bool) -> datetime | None:
    """An RFC 3339 date-time (UTC when it names no offset) or a whole date; '..' or nothing is open."""
    if text in ("", ".."):
        return None
    try:
        # A bare date is a whole day, though Python would read it as that day's midnight.
        moment = parse_datetime(text) if "T" in text.upper() else None
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise InvalidParameter(f"datetime: {text!r} is neither an RFC 3339 date-time nor a date.",
                                   parameter="datetime") from exc
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
        return moment.replace(tzinfo=UTC) - (timedelta(microseconds=1) if end else timedelta(0))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _datetime_condition(text: str) -> Q:
    """datetime= against the time each feature last changed (updated_at): an instant or a closed/open interval."""
    if "/" not in text:
        start, end = _instant(text, end=False), _instant(text, end=True)
        if start is None:
            raise InvalidParameter("datetime: an instant cannot be open ('..').", parameter="datetime")
        if "T" in text.upper():
            return Q(updated_at=start)
        return Q(updated_at__range=(start, end))
    first, _, last = text.partition("/")
    start, end = _instant(first.strip(), end=False), _instant(last.strip(), end=True)
    if start and end and start > end:
        raise InvalidParameter("datetime: the interval ends before it starts.", parameter="datetime")
    condition = Q()
    if start:
        condition &= Q(updated_at__gte=start)
    if end:
        condition &= Q(updated_at__lte=end)
    return condition


def _features(queryset, properties: tuple[ExportField, ...], crs: Crs) -> list[dict]:
    rows = queryset.annotate(ogc_geometry=geojson_expression(crs)).values_list(
        "ext_id", "ogc_geometry", *[field.path for field in properties])
    # PostGIS's GeoJSON text goes out as it came (an orjson fragment): no parse and dump per feature.
    return [{"type": "Feature", "id": ext_id, "geometry": orjson.Fragment(geometry) if geometry else None,
             "properties": {field.name: json_value(value) for field, value in zip(properties, values, strict=True)}}
            for ext_id, geometry, *values in rows]


def read_page(collection: Collection, query: ItemsQuery) -> Page:
    """numberMatched and one page of features, in a stable order."""
    features = collection.kind.features(collection.layer).filter(query.condition)
    try:
        matched = features.count()
        page = _features(features.order_by(*query.order)[query.offset:query.offset + query.limit],
                         query.properties, query.crs)
    except (DataError, InternalError) as exc:
        # Bound values PostGIS cannot work with (a box far outside its CRS's area, say): the client's to fix.
        raise InvalidParameter("The database could not evaluate the query with these values.") from exc
    return Page(page, matched, query)


def read_feature(collection: Collection, feature_id: str, crs: Crs) -> dict:
    features = collection.kind.features(collection.layer).filter(ext_id=feature_id)
    found = _features(features, tuple(collection.fields.values()), crs)
    if not found:
        raise NotFound("No feature with this id in this collection.")
    return found[0]
