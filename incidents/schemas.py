"""API schemas of incidents: what comes in for staff actions and the public writes."""

from ninja import Field, Schema

__all__ = ["ReasonIn", "NoteIn", "AssignIn", "MergeIn", "FollowIn", "RateIn", "ReopenIn", "PinIn", "CallIn",
           "NearbyQuery", "ListQuery"]


class ReasonIn(Schema):
    reason: str = Field("", max_length=5000)


class NoteIn(Schema):
    note: str = Field("", max_length=5000)
    public: bool = False


class AssignIn(Schema):
    agency: str | None = Field(None, description="code of the agency org unit; null sends it back to IOC triage")
    reason: str = Field("", max_length=5000)


class MergeIn(Schema):
    into: str = Field(..., description="tracking code of the report this one duplicates")


class FollowIn(Schema):
    email: str = Field(..., max_length=254)


class RateIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)
    key: str = Field("", max_length=100, description="the reporter key from the receipt")


class ReopenIn(Schema):
    reason: str = Field(..., max_length=5000)
    key: str = Field("", max_length=100)


class PinIn(Schema):
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False)


class CallIn(Schema):
    category: str
    description: str
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    attributes: dict = Field(default_factory=dict)
    send_pin_drop: bool = Field(False, description="no place yet: send the caller a one-time link to drop a pin")


class NearbyQuery(Schema):
    category: str
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False)


class ListQuery(Schema):
    category: str | None = None
    status: str | None = Field(None, description="comma-separated; 'open' for every open status")
    bbox: str | None = Field(None, description="west,south,east,north")
    commune: int | None = None
    agency: int | None = None
    overdue: bool | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)  # bounded: past PostgreSQL's bigint an OFFSET is an error, not a page
