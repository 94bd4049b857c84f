"""What the camera analytics API takes and gives (separate In and Out schemas, explicit fields)."""

from datetime import datetime

from ninja import Field, Schema

__all__ = ["PairIn", "CalibrationIn", "PairOut", "CalibrationOut", "RulesIn", "RulesOut", "ViewOut", "RunOut",
           "EvidenceOut", "ViolationOut", "CountOut", "CameraOut", "StreamChunkIn"]


class PairIn(Schema):
    u: float = Field(description="pixels from the frame's left edge")
    v: float = Field(description="pixels from the frame's top edge")
    lon: float
    lat: float


class CalibrationIn(Schema):
    pairs: list[PairIn] = Field(max_length=64)
    frame_width: int | None = Field(None, ge=1, le=8192, description="default: the camera's reference frame")
    frame_height: int | None = Field(None, ge=1, le=8192)


class PairOut(Schema):
    u: float
    v: float
    lon: float
    lat: float
    error_m: float
    error_px: float


class CalibrationOut(Schema):
    frame_width: int
    frame_height: int
    pairs: list[PairOut]
    rms_m: float
    max_m: float
    round_trip_max_m: float
    metres_per_pixel_at_centre: float | None
    saved: bool
    footprint: list[list[float]] = Field(description="the ground the frame shows, a lon/lat ring")


class RulesIn(Schema):
    rules: list[dict] = Field(max_length=100)
    frame_width: int | None = Field(None, ge=1, le=8192)
    frame_height: int | None = Field(None, ge=1, le=8192)


class RulesOut(Schema):
    frame_width: int | None
    frame_height: int | None
    rules: list[dict]


class ViewOut(Schema):
    width: int
    height: int
    url: str
    updated_at: datetime


class RunOut(Schema):
    id: int
    camera: int
    camera_ext_id: str
    status: str
    source_kind: str
    source_name: str
    recorded_at: datetime
    start_frame: int
    stop_frame: int | None
    frames_done: int
    frames_total: int | None
    progress: float | None
    summary: dict
    error: str
    created_at: datetime
    finished_at: datetime | None


class EvidenceOut(Schema):
    role: str
    public: bool
    url: str
    sha256: str
    size_bytes: int
    content_type: str


class ViolationOut(Schema):
    id: int
    camera: int
    camera_ext_id: str
    run: int
    kind: str
    rule: str
    track_id: int
    observed_at: datetime
    lon: float | None
    lat: float | None
    speed_kmh: float | None
    details: dict
    plates_found: int
    plates_assumed: int
    incident: str | None
    incident_error: str
    evidence: list[EvidenceOut]


class CountOut(Schema):
    hour: datetime
    line: str
    direction: str
    lane: str
    vehicles: int


class CameraOut(Schema):
    id: int
    ext_id: str
    name: str
    kind: str
    status: str
    lon: float
    lat: float
    heading_deg: float
    view_angle_deg: float
    range_m: float
    view: ViewOut | None
    calibration: CalibrationOut | None
    rules: RulesOut
    runs: list[RunOut]


class StreamChunkIn(Schema):
    seconds: float = Field(60.0, ge=1, le=3600)
    file_incidents: bool = True
