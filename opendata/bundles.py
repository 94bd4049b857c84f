"""Offline bundles: the basemap and the public layers over an area, as vector tiles in one PMTiles (or MBTiles)
file for air-gapped machines and field inspectors. Tiles are the tile service's own (same SQL, same columns),
gzipped; a bundle is kept by area, zooms and the versions of its layers, so it is built again only after an
import changed one of them."""

import gzip
import hashlib
import json
import sqlite3
from pathlib import Path

from django.db import connection, transaction
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from layers.models import AdminUnit, Layer
from layers.registry import UnknownKind, get_kind
from layers.tiles.service import tile_of
from layers.tiles.tile_sql import TileLayer, tile_statement
from layers.tiles.tilejson import vector_layer

from .downloads import cache_dir
from .errors import BadBundle, BundleTooLarge

__all__ = ["BUNDLE_FORMATS", "MAX_TILES", "bundle_layers", "tiles_of", "check_bundle", "build_bundle"]

BUNDLE_FORMATS = ("pmtiles", "mbtiles")
MAX_TILES = 4000
MAX_ZOOM = 16
FEATURE_CAP = 20_000
_LAYOUT = 2  # what a bundle file holds; bumped when that changes, so bundles kept from before are built again


def bundle_layers() -> list[Layer]:
    layers = []
    for layer in Layer.objects.filter(visibility=Layer.Visibility.PUBLIC).exclude(kind="raster").order_by("slug"):
        try:
            get_kind(layer.kind)
        except UnknownKind:
            continue
        layers.append(layer)
    return layers


def _tile_range(bounds, z: int) -> tuple[int, int, int, int]:
    w, s, e, n = bounds
    _, x0, y0 = tile_of(w, n, z)
    _, x1, y1 = tile_of(e, s, z)
    return x0, y0, x1, y1


def tiles_of(bounds, min_zoom: int, max_zoom: int) -> list[tuple[int, int, int]]:
    tiles = []
    for z in range(min_zoom, max_zoom + 1):
        x0, y0, x1, y1 = _tile_range(bounds, z)
        tiles += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return tiles


def check_bundle(*, area: str | None, min_zoom: int, max_zoom: int, fmt: str):
    if fmt not in BUNDLE_FORMATS:
        raise BadBundle(f"Format {fmt[:20]!r} is not offered for bundles; choose pmtiles or mbtiles.", field="format")
    if not 0 <= min_zoom <= max_zoom <= MAX_ZOOM:
        raise BadBundle(f"Zooms must satisfy 0 ≤ min_zoom ≤ max_zoom ≤ {MAX_ZOOM}.", field="max_zoom")
    if not area:
        raise BadBundle("Give the area's code (area=…), e.g. a commune's.", field="area")
    unit = AdminUnit.objects.filter(code=area).order_by("-valid_from", "pk").first()
    if unit is None:
        raise BadBundle(f"No administrative unit has the code {area[:40]!r}.", field="area")
    bounds = unit.geom.extent
    count = len(tiles_of(bounds, min_zoom, max_zoom))
    if count > MAX_TILES:
        raise BundleTooLarge(f"{unit.name} from zoom {min_zoom} to {max_zoom} is {count} tiles; at most {MAX_TILES}"
                             f" are bundled at once: lower max_zoom or choose a smaller area.", field="max_zoom")
    return unit, bounds


def _key(unit, layers, min_zoom, max_zoom, fmt) -> str:
    versions = "+".join(f"{layer.pk}.{layer.version}" for layer in layers)
    key = f"{unit.pk}:{min_zoom}-{max_zoom}:{versions}:{fmt}:{_LAYOUT}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def build_bundle(unit, bounds, *, min_zoom: int, max_zoom: int, fmt: str) -> tuple[Path, dict]:
    """The bundle's file (built now unless an identical one exists) and what it holds."""
    layers = bundle_layers()
    key = _key(unit, layers, min_zoom, max_zoom, fmt)
    target = cache_dir() / "bundles" / f"{unit.code}-z{min_zoom}-{max_zoom}-{key}.{fmt}"
    info = {"area": unit.name, "code": unit.code, "bounds": [round(v, 6) for v in bounds], "min_zoom": min_zoom,
            "max_zoom": max_zoom, "layers": [layer.slug for layer in layers],
            "attribution": "; ".join(sorted({layer.attribution for layer in layers if layer.attribution}))}
    if target.exists():
        return target, info
    # Readers (GDAL, MapLibre) learn a layer's attributes from these; without them they show bare geometries.
    vector_layers = [vector_layer(layer) for layer in layers]
    target.parent.mkdir(parents=True, exist_ok=True)
    tiles = []
    with transaction.atomic(), connection.cursor() as cursor:
        for z, x, y in tiles_of(bounds, min_zoom, max_zoom):
            in_range = [TileLayer(layer.slug, layer.pk, get_kind(layer.kind), FEATURE_CAP) for layer in layers
                        if layer.min_zoom <= z <= layer.max_zoom]
            if not in_range:
                continue
            statement, params = tile_statement(in_range, z, x, y)
            cursor.execute(statement, params)
            raw = bytes(cursor.fetchone()[0] or b"")
            if raw:
                tiles.append((z, x, y, gzip.compress(raw, compresslevel=6, mtime=0)))
    if not tiles:
        raise BadBundle(f"No public data over {unit.name} at zooms {min_zoom}–{max_zoom}.", field="area")
    partial = target.with_name(target.name + ".part")
    (_write_pmtiles if fmt == "pmtiles" else _write_mbtiles)(partial, tiles, info, vector_layers)
    partial.replace(target)
    info["tiles"] = len(tiles)
    return target, info


def _metadata(info: dict, vector_layers: list[dict]) -> dict:
    return {"name": f"Cổng GIS – {info['area']}", "format": "pbf", "attribution": info["attribution"],
            "vector_layers": vector_layers}


def _write_pmtiles(path: Path, tiles, info: dict, vector_layers: list[dict]) -> None:
    w, s, e, n = info["bounds"]
    with path.open("wb") as out:
        writer = Writer(out)
        for z, x, y, data in sorted(tiles, key=lambda t: zxy_to_tileid(t[0], t[1], t[2])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize({
            "tile_type": TileType.MVT, "tile_compression": Compression.GZIP, "min_zoom": info["min_zoom"],
            "max_zoom": info["max_zoom"], "min_lon_e7": int(w * 1e7), "min_lat_e7": int(s * 1e7),
            "max_lon_e7": int(e * 1e7), "max_lat_e7": int(n * 1e7), "center_zoom": info["min_zoom"],
            "center_lon_e7": int((w + e) / 2 * 1e7), "center_lat_e7": int((s + n) / 2 * 1e7)},
            _metadata(info, vector_layers))


def _write_mbtiles(path: Path, tiles, info: dict, vector_layers: list[dict]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript("CREATE TABLE metadata (name text, value text);"
                         "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer,"
                         " tile_data blob);"
                         "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);")
        w, s, e, n = info["bounds"]
        meta = {"name": f"Cổng GIS – {info['area']}", "format": "pbf", "bounds": f"{w},{s},{e},{n}",
                "center": f"{(w + e) / 2},{(s + n) / 2},{info['min_zoom']}", "minzoom": str(info["min_zoom"]),
                "maxzoom": str(info["max_zoom"]), "attribution": info["attribution"], "type": "overlay",
                "json": json.dumps({"vector_layers": vector_layers})}
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        # MBTiles rows count from the south (TMS).
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, (2**z - 1) - y, data) for z, x, y, data in tiles])
        db.commit()
    finally:
        db.close()
