"""Making incoming geometries fit a layer: one geometry family, 2D, valid, single or multi as stored."""

from dataclasses import dataclass, field

import numpy as np
import shapely

from layers.errors import BadGeometry

__all__ = ["GeometryNotes", "normalise"]

_FAMILY = {
    "Point": {shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT},
    "LineString": {shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING},
    "Polygon": {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON},
}
_NAMES = ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
          "GeometryCollection"]


@dataclass
class GeometryNotes:
    empty: int = 0
    flattened: int = 0
    split: int = 0
    unrepairable: int = 0
    repaired: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        notes = []
        if self.empty:
            notes.append(f"{self.empty} features without geometry skipped")
        if self.flattened:
            notes.append(f"Z/M dropped from {self.flattened} geometries")
        if self.split:
            notes.append(f"{self.split} multi-part features split into single parts (ext_id gets -1, -2, …)")
        return notes + self.repaired


def normalise(geoms: np.ndarray, ids: np.ndarray, family: str, notes: GeometryNotes) -> tuple[np.ndarray, np.ndarray]:
    """Return (geometries, ids) ready to store: polygons as MultiPolygon, lines and points as single parts."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    notes.empty += int((~present).sum())
    geoms, ids = geoms[present], ids[present]
    kinds = set(shapely.get_type_id(geoms).tolist())
    foreign = kinds - _FAMILY[family]
    if foreign:
        names = ", ".join(sorted(_NAMES[k] for k in foreign))
        raise BadGeometry(f"this layer holds {family} geometries, but the file also has {names}")
    has_z = shapely.has_z(geoms)
    if has_z.any():
        notes.flattened += int(has_z.sum())
        geoms = shapely.force_2d(geoms)
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    for index in invalid:
        reason = shapely.is_valid_reason(geoms[index])
        fixed = shapely.make_valid(geoms[index])
        parts = [p for p in shapely.get_parts(fixed) if shapely.get_type_id(p) in _FAMILY[family]]
        geoms[index] = shapely.union_all(parts) if parts else None
        notes.unrepairable += 0 if parts else 1
        notes.repaired.append(f"feature {ids[index]}: repaired ({reason})" if parts
                              else f"feature {ids[index]}: nothing of it was left after repair; skipped")
    kept = ~shapely.is_missing(geoms)
    geoms, ids = geoms[kept], ids[kept]
    if family == "Polygon":
        single = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
        geoms[single] = shapely.multipolygons(geoms[single].reshape(-1, 1)) if single.any() else geoms[single]
        return geoms, ids
    if family == "LineString":
        multi = shapely.get_type_id(geoms) == shapely.GeometryType.MULTILINESTRING
        if multi.any():
            geoms[multi] = shapely.line_merge(geoms[multi])
    return _split_multi(geoms, ids, notes)


def _split_multi(geoms: np.ndarray, ids: np.ndarray, notes: GeometryNotes) -> tuple[np.ndarray, np.ndarray]:
    counts = shapely.get_num_geometries(geoms)
    multi = shapely.get_type_id(geoms) >= shapely.GeometryType.MULTIPOINT
    if not multi.any():
        return geoms, ids
    parts, index = shapely.get_parts(geoms, return_index=True)
    many = counts[index] > 1
    notes.split += int((counts[multi] > 1).sum())
    ordinal = np.concatenate([np.arange(1, n + 1) for n in counts]) if len(counts) else np.array([], int)
    new_ids = np.where(many, np.char.add(np.char.add(ids[index].astype(str), "-"), ordinal.astype(str)),
                       ids[index].astype(str))
    return parts, new_ids.astype(object)
