"""API schemas for administrative units."""

import datetime as dt

from ninja import Field, Schema


class AtQuery(Schema):
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False, description="Longitude, WGS 84 degrees")
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False, description="Latitude, WGS 84 degrees")
    date: dt.date | None = Field(None, description="The day to answer for (default: today, Asia/Ho_Chi_Minh)")


class AdminUnitRef(Schema):
    id: int
    level: str
    code: str
    gso_code: str
    name: str
    name_ascii: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class SuccessorOut(Schema):
    unit: AdminUnitRef
    effective: dt.date
    kind: str


class AdminUnitOut(AdminUnitRef):
    parent_id: int | None
    population: int | None
    successors: list[SuccessorOut]
    predecessors: list[SuccessorOut]

    @staticmethod
    def resolve_successors(obj):
        return [{"unit": s.successor, "effective": s.effective, "kind": s.kind} for s in obj.successions.all()]

    @staticmethod
    def resolve_predecessors(obj):
        return [{"unit": s.predecessor, "effective": s.effective, "kind": s.kind} for s in obj.predecessions.all()]


class AtOut(Schema):
    lon: float
    lat: float
    date: dt.date
    province: AdminUnitOut | None
    district: AdminUnitOut | None
    commune: AdminUnitOut | None
