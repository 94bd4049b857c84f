"""Raster layers: register a GeoTIFF in the catalog, find the ones a user may see, and read them.

The reading itself is geoprocessing.rasters (no Django); this module turns its errors into the
portal's and keeps the catalog rows (`Layer` + `RasterLayer`) in step with the file.
"""

import logging
from pathlib import Path

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from shapely.geometry.base import BaseGeometry

from geoprocessing import rasters as core
from portal.accounts.roles import ROLES
from portal.errors import InvalidInput, NotFound

from .errors import BadRasterOption, NoCrs, RasterUnavailable, UnreadableFile
from .models import Layer, RasterLayer

__all__ = [
    "RASTER_KIND",
    "check_raster_options", "do_register_raster", "visible_rasters", "get_visible_raster",
    "raster_value", "raster_zonal_stats",
]

logger = logging.getLogger(__name__)

RASTER_KIND = "raster"


def check_raster_options(*, slug: str, title_vi: str, title_en: str, unit: str | None = None,
                         visibility: str | None = None, attribution: str | None = None, licence: str | None = None,
                         allowed_roles: list[str] | None = None) -> None:
    """Validate what the catalog row will hold, before the file is even opened."""
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise BadRasterOption(f"The slug {slug!r} may hold only letters, digits, '-' and '_'.", field="slug") from exc
    limits = {"slug": (slug, 80), "title_vi": (title_vi, 200), "title_en": (title_en, 200), "unit": (unit, 40),
              "attribution": (attribution, 300), "licence": (licence, 100)}
    for field, (value, limit) in limits.items():
        if value is not None and len(value) > limit:
            raise BadRasterOption(f"{field} is longer than {limit} characters.", field=field)
    for field, value in (("title_vi", title_vi), ("title_en", title_en)):
        if not value.strip():
            raise BadRasterOption(f"{field} must not be empty.", field=field)
    if visibility is not None and visibility not in Layer.Visibility.values:
        raise BadRasterOption(f"visibility must be one of {', '.join(Layer.Visibility.values)}.", field="visibility")
    unknown = sorted(set(allowed_roles or ()) - ROLES.keys())
    if unknown:
        raise BadRasterOption(f"Unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(ROLES))}).",
                              field="allowed_roles")


def do_register_raster(*, path: str | Path, slug: str, title_vi: str, title_en: str, unit: str | None = None,
                       visibility: str | None = None, band: int = 1, attribution: str | None = None,
                       licence: str | None = None, allowed_roles: list[str] | None = None) -> RasterLayer:
    """Catalog the raster at `path` as layer `slug`, or refresh it (new file, stats, version + 1).

    Options left as None keep their current value on re-registration; a new layer gets "" for the texts,
    "public" visibility and no roles. A file that is not a readable, georeferenced raster raises a
    LayersError before anything is written.
    """
    check_raster_options(slug=slug, title_vi=title_vi, title_en=title_en, unit=unit, visibility=visibility,
                         attribution=attribution, licence=licence, allowed_roles=allowed_roles)
    location = _location(path)
    try:
        info = core.describe(location, band=band)
    except core.MissingCrs as exc:
        raise NoCrs(str(exc), field="path") from exc
    except core.BadBand as exc:
        raise BadRasterOption(str(exc), field="band") from exc
    except core.RasterError as exc:
        raise UnreadableFile(str(exc), field="path") from exc

    chosen = {"visibility": visibility, "attribution": attribution, "licence": licence,
              "allowed_roles": sorted(set(allowed_roles)) if allowed_roles is not None else None}
    with transaction.atomic():
        layer, created = Layer.objects.select_for_update().get_or_create(slug=slug, defaults={
            "kind": RASTER_KIND, "theme": Layer.Theme.RASTER, "title_vi": title_vi, "title_en": title_en,
            "visibility": visibility or Layer.Visibility.PUBLIC, "allowed_roles": chosen["allowed_roles"] or [],
            "attribution": attribution or "", "licence": licence or "",
        })
        if not created:
            if layer.kind != RASTER_KIND:
                raise BadRasterOption(f"The slug {slug!r} already names a layer of kind {layer.kind!r}.",
                                      field="slug")
            layer.title_vi, layer.title_en = title_vi, title_en
            changed = ["title_vi", "title_en", "updated_at"]
            for field in ("visibility", "attribution", "licence", "allowed_roles"):
                if chosen[field] is not None:
                    setattr(layer, field, chosen[field])
                    changed.append(field)
            layer.save(update_fields=changed)
            layer.bump_version()
        raster = RasterLayer.objects.filter(layer=layer).first() or RasterLayer(layer=layer)
        if unit is not None:
            raster.unit = unit
        raster.path, raster.band, raster.nodata = location, band, info.nodata
        raster.crs = info.crs if len(info.crs) <= 100 else info.crs_name[:100]  # a WKT does not fit: its name
        raster.width, raster.height = info.width, info.height
        raster.bounds = Polygon.from_bbox(info.bounds)
        raster.stats = {"min": info.min, "max": info.max, "mean": info.mean, "valid_count": info.valid_count}
        raster.save()
    return raster


def visible_rasters(user):
    """The raster layers `user` may see (anonymous: the public ones), by slug."""
    return (RasterLayer.objects.select_related("layer")
            .filter(layer__kind=RASTER_KIND, layer__in=Layer.objects.visible_to(user))
            .order_by("layer__slug"))


def get_visible_raster(user, slug: str) -> RasterLayer:
    """One raster layer by slug. A layer `user` may not see is reported exactly like one that does not exist."""
    raster = visible_rasters(user).filter(layer__slug=slug).first()
    if raster is None:
        raise NotFound("No raster layer with this name.")
    return raster


def raster_value(raster: RasterLayer, lon: float, lat: float) -> float | None:
    """The layer's band at (lon, lat) in EPSG:4326; None for nodata or outside the raster."""
    try:
        return core.value_at(raster.path, lon, lat, band=raster.band)
    except (core.NotARaster, core.MissingCrs, core.BadBand) as exc:
        raise _unavailable(raster, exc) from exc
    except core.RasterError as exc:
        raise InvalidInput(str(exc)) from exc


def raster_zonal_stats(raster: RasterLayer, geometries: list[BaseGeometry], *,
                       all_touched: bool = False) -> list[core.ZonalStats]:
    """Statistics of the layer's band inside each (Multi)Polygon given in EPSG:4326, in order."""
    try:
        return core.zonal_stats(raster.path, geometries, band=raster.band, all_touched=all_touched)
    except (core.NotARaster, core.MissingCrs, core.BadBand) as exc:
        raise _unavailable(raster, exc) from exc
    except core.RasterError as exc:
        raise InvalidInput(str(exc), field="geometry") from exc


def _unavailable(raster: RasterLayer, exc: Exception) -> RasterUnavailable:
    # The file moved, changed or broke after registration: an operator's problem, never shown to callers.
    logger.error("raster layer %s cannot be read at %s: %s", raster.layer.slug, raster.path, exc)
    return RasterUnavailable()


def _location(path: str | Path) -> str:
    text = str(path)
    if text.startswith("/vsi"):
        return text  # a GDAL virtual path (/vsizip/…, /vsicurl/…): rasterio decides whether it exists
    resolved = Path(text).expanduser().resolve()
    if not resolved.is_file():
        raise UnreadableFile(f"There is no file at {text}.", field="path")
    return str(resolved)
