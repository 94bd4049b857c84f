"""The records the report core returns: plain dataclasses the adapters serialise (JSON, CSV, templates)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Area", "Tables", "DEFAULT_TABLES", "Breakdown", "Totals", "Hotspot", "CameraRow", "Figures"]


@dataclass(frozen=True)
class Area:
    """An administrative unit a report covers; `ids` are its rows of every period (one name, several frames)."""

    level: str  # province, district or commune
    code: str
    name: str
    ids: tuple[int, ...]

    @property
    def incident_column(self) -> str:
        return {"province": "province_id", "district": "district_id", "commune": "commune_id"}[self.level]


@dataclass(frozen=True)
class Tables:
    incidents: str = "incidents_incident"
    events: str = "incidents_incidentevent"
    categories: str = "incidents_category"
    org_units: str = "accounts_orgunit"
    admin_units: str = "layers_adminunit"


@dataclass(frozen=True)
class Totals:
    received: int
    resolved: int
    overdue: int
    open_at_end: int
    on_time: int
    resolved_with_deadline: int
    median_hours: float | None

    @property
    def on_time_rate(self) -> float | None:
        """Share of the period's resolutions made by their deadline (those with a deadline)."""
        if not self.resolved_with_deadline:
            return None
        return round(self.on_time / self.resolved_with_deadline, 4)


@dataclass(frozen=True)
class Breakdown:
    """One row of a table by channel, category, agency or commune."""

    key: str
    label: str
    received: int
    resolved: int
    overdue: int


@dataclass(frozen=True)
class Hotspot:
    """A grid cell where received reports cluster more than chance would make them (Getis-Ord Gi*)."""

    lon: float
    lat: float
    count: int
    z: float
    confidence: int  # 90, 95 or 99 (%)
    cell_m: int
    ring: tuple[tuple[float, float], ...]  # the cell's outline, lon/lat


@dataclass(frozen=True)
class CameraRow:
    camera: str
    violation: str
    count: int


@dataclass
class Figures:
    area: Area
    first: str
    last: str
    totals: Totals
    by_channel: list[Breakdown]
    by_category: list[Breakdown]
    by_agency: list[Breakdown]
    by_commune: list[Breakdown]
    camera: list[CameraRow]
    hotspots: list[Hotspot]
    trend: list[dict[str, Any]] = field(default_factory=list)  # earlier periods then this one, oldest first

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["totals"]["on_time_rate"] = self.totals.on_time_rate
        return body


DEFAULT_TABLES = Tables()
