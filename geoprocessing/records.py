"""Typed records the core returns: what a planning lookup answers, and the parts it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "LayerRef", "LandUse", "UnitRef", "Succession", "Commune", "Parcel", "DecisionRef", "BuildingControls",
    "ZoneShare", "NearbyNetwork", "NearbyIrrigation", "PlanningAnswer", "Scope",
]


@dataclass(frozen=True)
class LayerRef:
    id: int
    slug: str
    title_vi: str
    title_en: str
    version: int


@dataclass(frozen=True)
class LandUse:
    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class Succession:
    unit: UnitRef
    effective: date
    kind: str


@dataclass(frozen=True)
class Commune:
    """The parcel's commune as recorded, with what it became and what it was made from."""

    unit: UnitRef
    successors: tuple[Succession, ...] = ()
    predecessors: tuple[Succession, ...] = ()


@dataclass(frozen=True)
class Parcel:
    """Public columns only: holders and their papers are never read into this record."""

    id: int
    layer: LayerRef
    ext_id: str
    commune: Commune | None
    sheet_no: str
    parcel_no: str
    legal_area_m2: float | None
    area_m2: float
    land_use: LandUse | None
    address: str
    point: tuple[float, float]  # a point inside the parcel, lon/lat
    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]  # GeoJSON, EPSG:4326


@dataclass(frozen=True)
class DecisionRef:
    id: int
    number: str
    signed_on: date
    authority: str
    title: str
    plan_level: str
    status: str
    effective_from: date | None
    effective_to: date | None
    has_document: bool


@dataclass(frozen=True)
class BuildingControls:
    max_density_pct: float | None
    max_floors: int | None
    max_height_m: float | None
    far: float | None


@dataclass(frozen=True)
class ZoneShare:
    """One plan zone over the parcel: how much of the parcel it covers, and the decision behind it."""

    id: int
    layer: LayerRef
    ext_id: str
    zone_code: str
    plan_level: str
    function: str
    land_use: LandUse | None
    controls: BuildingControls
    zone_area_m2: float
    overlap_m2: float  # geodesic, on the WGS 84 ellipsoid
    share_pct: float  # of the parcel's area
    decision: DecisionRef
    geometry: dict[str, Any]


@dataclass(frozen=True)
class NearbyNetwork:
    """The nearest segment of one underground network, and how many lie within the distance asked."""

    network: str
    distance_m: float
    corridor_m: float
    corridor_source: str  # the regulation the width comes from, or where the province's value is set
    within_corridor: bool
    count: int
    layer: LayerRef
    # Identifiers and sizes, only for callers who may see the network's layer; others learn the constraint.
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class NearbyIrrigation:
    kind: str  # "canal" or "work"
    name: str
    distance_m: float
    corridor_m: float
    corridor_source: str
    within_corridor: bool
    layer: LayerRef
    level: int | None = None  # canals: 1 main, 2 primary, …
    work_kind: str | None = None  # works: pumping_station, sluice, …
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class PlanningAnswer:
    parcel: Parcel
    as_of: date
    distance_m: float
    zones: tuple[ZoneShare, ...]
    decisions: tuple[DecisionRef, ...]
    networks: tuple[NearbyNetwork, ...]
    irrigation: tuple[NearbyIrrigation, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Which layers a lookup reads, as the adapter decided for the caller.

    `*_layers` may be read; `detailed` are those whose identifiers and attributes the caller may see. A layer
    in a *_layers list but not in `detailed` contributes only the constraint (network, distance, corridor).
    """

    parcel_layers: tuple[int, ...]
    zone_layers: tuple[int, ...]
    segment_layers: tuple[int, ...] = ()
    canal_layers: tuple[int, ...] = ()
    work_layers: tuple[int, ...] = ()
    detailed: frozenset[int] = field(default_factory=frozenset)
    province_ids: tuple[int, ...] = ()
    province_name: str = ""
