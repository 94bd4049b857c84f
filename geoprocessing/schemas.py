"""API schemas of the planning lookup and the planning sheets (the core's records, as JSON)."""

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from .lookup import DEFAULT_DISTANCE_M, MAX_DISTANCE_M


class LookupQuery(Schema):
    lon: float | None = Field(None, allow_inf_nan=False, description="Longitude (WGS 84), with lat: a click")
    lat: float | None = Field(None, allow_inf_nan=False, description="Latitude (WGS 84)")
    x: float | None = Field(None, allow_inf_nan=False, description="Easting in `srid` (e.g. VN-2000 / TM-3)")
    y: float | None = Field(None, allow_inf_nan=False, description="Northing in `srid`")
    srid: int = Field(4326, description="CRS of x/y: 4326, or a VN-2000 / TM-3 zone such as 9217 (Ninh Thuận)")
    commune: str | None = Field(None, max_length=120, description="Commune name or code, before or after 2025")
    sheet_no: str | None = Field(None, max_length=20, description="Số tờ bản đồ")
    parcel_no: str | None = Field(None, max_length=20, description="Số thửa")
    date: dt.date | None = Field(None, description="Read the plan as of this day (default: today)")
    distance_m: float = Field(DEFAULT_DISTANCE_M, gt=0, le=MAX_DISTANCE_M,
                              description="Networks and canals within this distance of the parcel")


class LayerRefOut(Schema):
    slug: str
    title_vi: str
    title_en: str
    version: int


class LandUseOut(Schema):
    code: str
    name_vi: str
    name_en: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class SuccessionOut(Schema):
    unit: UnitOut
    effective: dt.date
    kind: str


class CommuneOut(Schema):
    unit: UnitOut
    successors: list[SuccessionOut]
    predecessors: list[SuccessionOut]


class ParcelOut(Schema):
    id: int
    layer: LayerRefOut
    ext_id: str
    commune: CommuneOut | None
    sheet_no: str
    parcel_no: str
    legal_area_m2: float | None
    area_m2: float = Field(..., description="geodesic area of the drawn parcel")
    land_use: LandUseOut | None = Field(..., description="current land use (hiện trạng)")
    address: str
    point: list[float] = Field(..., description="a point inside the parcel, lon/lat")
    bbox: list[float]
    geometry: dict[str, Any]


class DecisionOut(Schema):
    id: int
    number: str
    signed_on: dt.date
    authority: str
    title: str
    plan_level: str = Field(..., description="scale of the plan, e.g. 1/2000")
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    document_url: str | None

    @staticmethod
    def resolve_document_url(obj) -> str | None:
        if not obj.has_document:
            return None
        return reverse("api:planning_decision_document", kwargs={"decision_id": obj.id})


class ControlsOut(Schema):
    max_density_pct: float | None
    max_floors: int | None
    max_height_m: float | None
    far: float | None = Field(..., description="floor area ratio (hệ số sử dụng đất)")


class ZoneOut(Schema):
    id: int
    layer: LayerRefOut
    ext_id: str
    zone_code: str
    plan_level: str
    function: str
    land_use: LandUseOut | None = Field(..., description="planned land use")
    controls: ControlsOut
    zone_area_m2: float
    overlap_m2: float
    share_pct: float
    decision: DecisionOut
    geometry: dict[str, Any]


class NetworkOut(Schema):
    network: str
    distance_m: float
    corridor_m: float
    corridor_source: str = Field(..., description="the regulation the width comes from, or where the province's "
                                 "value is set")
    within_corridor: bool
    count: int
    layer: LayerRefOut
    detail: dict[str, Any] | None = Field(..., description="only for callers who may see the network's layer")


class IrrigationOut(Schema):
    kind: Literal["canal", "work"]
    name: str
    distance_m: float
    corridor_m: float
    corridor_source: str = Field(..., description="the regulation the width comes from, or where the province's "
                                 "value is set")
    within_corridor: bool
    layer: LayerRefOut
    level: int | None
    work_kind: str | None
    detail: dict[str, Any] | None


class AnswerOut(Schema):
    parcel: ParcelOut
    as_of: dt.date
    distance_m: float
    zones: list[ZoneOut]
    decisions: list[DecisionOut]
    networks: list[NetworkOut]
    irrigation: list[IrrigationOut]
    notes: list[str]


class CommuneHitOut(Schema):
    id: int
    code: str
    gso_code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    district: str | None


class SheetIn(Schema):
    parcel_id: int
    date: dt.date | None = None
    distance_m: float = Field(DEFAULT_DISTANCE_M, gt=0, le=MAX_DISTANCE_M)


class SheetOut(Schema):
    code: str
    issued_at: dt.datetime
    as_of: dt.date
    layer_slug: str
    layer_version: int
    parcel_ext_id: str
    commune_name: str
    sheet_no: str
    parcel_no: str
    pdf_url: str
    verify_url: str
    pdf_sha256: str
    answer_sha256: str


class VerifyOut(SheetOut):
    current: Literal["unchanged", "changed", "parcel_gone"] = Field(
        ..., description="whether the plan, read again today for the same day, still says the same")
    answer: dict[str, Any]
