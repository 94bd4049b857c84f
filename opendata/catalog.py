"""The open-data catalog: every public vector layer, and the open incident statistics, as datasets with the
metadata harvesters and people need (title, description, theme, licence, attribution, update frequency,
extent, last update, feature count, formats, sources)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Max
from psycopg import sql

from layers.exporting import FORMATS
from layers.models import ImportJob, Layer
from layers.registry import UnknownKind, get_kind

from .errors import UnknownDataset
from .incident_stats import STATS_SLUG, stats_dataset
from .models import DatasetInfo, Frequency
from .provenance import Source, sources_for

__all__ = ["Dataset", "public_layers", "datasets", "dataset", "layer_of"]

_THEME_FREQUENCY = {"basemap": Frequency.IRREGULAR, "admin": Frequency.IRREGULAR, "planning": Frequency.MONTHLY,
                    "underground": Frequency.MONTHLY, "irrigation": Frequency.ANNUAL, "cameras": Frequency.IRREGULAR}


@dataclass
class Dataset:
    slug: str
    title_vi: str
    title_en: str
    description: str
    theme: str
    licence: str
    attribution: str
    frequency: str
    extent: tuple[float, float, float, float] | None
    modified: datetime
    feature_count: int
    version: str
    formats: tuple[str, ...]
    keywords: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    geometry: str = ""
    layer: Layer | None = None


def public_layers():
    """Public vector layers with rows of their own (the admin basemap layers show AdminUnit, not theirs)."""
    layers = []
    for layer in Layer.objects.filter(visibility=Layer.Visibility.PUBLIC).exclude(kind="raster"):
        try:
            get_kind(layer.kind)
        except UnknownKind:
            continue
        if layer.kind not in ("admin_area", "admin_label"):
            layers.append(layer)
    return layers


def _extent_and_count(layer: Layer) -> tuple[tuple[float, float, float, float] | None, int]:
    kind = get_kind(layer.kind)
    query = sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n FROM (SELECT ST_Extent(geom) AS e, "
                    "count(*) AS n FROM {} WHERE layer_id = %s) t").format(sql.Identifier(kind.table))
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection), [layer.pk])
        xmin, ymin, xmax, ymax, count = cursor.fetchone()
    extent = None if xmin is None else (round(xmin, 6), round(ymin, 6), round(xmax, 6), round(ymax, 6))
    return extent, int(count)


def _layer_dataset(layer: Layer, info: DatasetInfo | None, last_import: datetime | None) -> Dataset:
    extent, count = _extent_and_count(layer)
    kind = get_kind(layer.kind)
    frequency = info.update_frequency if info else _THEME_FREQUENCY.get(layer.theme, Frequency.IRREGULAR)
    keywords = [k.strip() for k in (info.keywords if info else "").split(",") if k.strip()] or [layer.theme]
    return Dataset(slug=layer.slug, title_vi=layer.title_vi, title_en=layer.title_en,
                   description=layer.description or layer.title_vi, theme=layer.theme, licence=layer.licence,
                   attribution=layer.attribution, frequency=frequency, extent=extent,
                   modified=max(filter(None, (layer.updated_at, last_import))), feature_count=count,
                   version=str(layer.version), formats=tuple(FORMATS), keywords=keywords,
                   sources=sources_for(layer.attribution), geometry=kind.geometry, layer=layer)


def datasets(*, with_stats: bool = True) -> list[Dataset]:
    layers = public_layers()
    infos = {info.layer_id: info for info in DatasetInfo.objects.filter(layer__in=layers)}
    imports = dict(ImportJob.objects.filter(layer__in=layers, status=ImportJob.Status.SUCCEEDED)
                   .values("layer").annotate(last=Max("finished_at")).values_list("layer", "last"))
    found = [_layer_dataset(layer, infos.get(layer.pk), imports.get(layer.pk)) for layer in layers]
    found.sort(key=lambda d: (d.theme == "basemap", d.theme, d.slug))
    if with_stats:
        found.append(stats_dataset())
    return found


def dataset(slug: str) -> Dataset:
    if slug == STATS_SLUG:
        return stats_dataset()
    layer = layer_of(slug)
    info = DatasetInfo.objects.filter(layer=layer).first()
    last = ImportJob.objects.filter(layer=layer, status=ImportJob.Status.SUCCEEDED).aggregate(
        last=Max("finished_at"))["last"]
    return _layer_dataset(layer, info, last)


def layer_of(slug: str) -> Layer:
    """The public layer of this name; a private one answers exactly as a missing one."""
    for layer in public_layers():
        if layer.slug == slug:
            return layer
    raise UnknownDataset(field="dataset")


