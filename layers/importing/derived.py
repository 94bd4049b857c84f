"""Columns an import derives from each feature's geometry as it streams by: the commune of a parcel.

Done in Python on the batch, before the rows reach the database, so every row is written once, with its
derived values, whatever path it takes into the layer (a fresh partition or the staged upsert).
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import shapely
from django.db import connection

__all__ = ["Derivation", "derivation_for"]

# The commune a parcel lies in: the unit in force today that covers a point inside the parcel (the lowest
# id when boundaries overlap), as PostGIS's ST_Covers(commune, ST_PointOnSurface(parcel)) would find it.
_COMMUNES = """
    SELECT id, ST_AsBinary(geom) FROM layers_adminunit
     WHERE level = 'commune'
       AND (valid_from IS NULL OR valid_from <= CURRENT_DATE)
       AND (valid_to IS NULL OR valid_to > CURRENT_DATE)
     ORDER BY id
"""


@dataclass
class Derivation:
    columns: tuple[str, ...] = ()
    _ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    _units: np.ndarray | None = None  # prepared outlines, in id order
    unplaced: int = 0  # features that fell in no commune

    def __call__(self, geoms: np.ndarray) -> list[pa.Array]:
        if not self.columns:
            return []
        found = np.full(len(geoms), -1, dtype=np.int64)
        if self._units is not None and len(geoms):
            # The batch's points in a tree, asked by each prepared commune: a prepared outline answers for
            # many points at once (on 1M parcels, 0.9 s less than asking the communes' tree point by point).
            points = shapely.STRtree(shapely.point_on_surface(geoms))
            unit, feature = points.query(self._units, predicate="covers")
            order = np.lexsort((unit, feature))  # units are in id order: a feature's first is its lowest id
            feature, unit = feature[order], unit[order]
            first = np.unique(feature, return_index=True)[1]
            found[feature[first]] = self._ids[unit[first]]
        self.unplaced += int((found < 0).sum())
        return [pa.array(found, pa.int64(), mask=found < 0)]


def derivation_for(kind_key: str) -> Derivation:
    """Load what the kind's derivations need now: once COPY starts, the connection runs nothing else."""
    if kind_key != "land_parcel":
        return Derivation()
    with connection.cursor() as cursor:
        cursor.execute(_COMMUNES)
        rows = cursor.fetchall()
    ids = np.asarray([row[0] for row in rows], dtype=np.int64)
    units = shapely.from_wkb([bytes(row[1]) for row in rows]) if rows else None
    if units is not None:
        shapely.prepare(units)
    return Derivation(columns=("commune_id",), _ids=ids, _units=units)
