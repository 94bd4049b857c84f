"""Web Mercator PNG tiles of a raster band, coloured along a ramp; transparent where there is no data."""

from __future__ import annotations

import io
import math
import os

import numpy as np
import rasterio
from PIL import Image
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.warp import reproject

from .rasters import GDAL_OPTIONS

__all__ = ["TILE_SIZE", "RAMP", "tile_bounds_3857", "render_tile"]

TILE_SIZE = 256
HALF_WORLD = 20037508.342789244
WEB_MERCATOR = CRS.from_epsg(3857)
# Pale yellow to dark red: reads as "more" on a light basemap, and stays legible to colour-blind readers.
RAMP = np.array([[255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28], [128, 0, 38]], dtype=float)


def tile_bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * HALF_WORLD / 2**z
    left, top = -HALF_WORLD + x * size, HALF_WORLD - y * size
    return left, top - size, left + size, top


def _colour(values: np.ndarray, valid: np.ndarray, vmin: float, vmax: float, log: bool) -> np.ndarray:
    if log:  # population and the like: most cells small, a few huge
        values, vmin, vmax = np.log1p(np.clip(values, 0, None)), math.log1p(max(vmin, 0)), math.log1p(max(vmax, 0))
    span = vmax - vmin or 1.0
    t = np.clip((values - vmin) / span, 0, 1) * (len(RAMP) - 1)
    low = np.floor(t).astype(int).clip(0, len(RAMP) - 2)
    frac = (t - low)[..., None]
    rgb = RAMP[low] * (1 - frac) + RAMP[low + 1] * frac
    rgba = np.zeros(values.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = rgb.astype(np.uint8)
    rgba[..., 3] = np.where(valid, 210, 0)
    return rgba


def render_tile(path: str | os.PathLike, z: int, x: int, y: int, *, vmin: float, vmax: float, band: int = 1,
                log: bool = False) -> bytes | None:
    """PNG bytes of the tile, or None when the raster has no data there."""
    bounds = tile_bounds_3857(z, x, y)
    out = np.full((TILE_SIZE, TILE_SIZE), np.nan, dtype="float64")
    with rasterio.Env(**GDAL_OPTIONS), rasterio.open(path) as src:
        reproject(source=rasterio.band(src, band), destination=out, src_nodata=src.nodata,
                  dst_transform=from_bounds(*bounds, TILE_SIZE, TILE_SIZE), dst_crs=WEB_MERCATOR,
                  dst_nodata=np.nan, resampling=Resampling.bilinear)
    valid = np.isfinite(out)
    if not valid.any():
        return None
    image = Image.fromarray(_colour(np.nan_to_num(out), valid, vmin, vmax, log), mode="RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
