"""In/Out schemas of the reports API."""

from datetime import date, datetime

from ninja import Field, Schema

__all__ = ["ReportRequestIn", "ReportFileOut", "ReportRunOut", "ReportRunDetailOut", "RunsQuery"]


class ReportRequestIn(Schema):
    # Dates as text: a malformed one is a 400 with the reason, like every other bad range.
    start: str | None = Field(None, description="first day, YYYY-MM-DD")
    end: str | None = Field(None, description="last day, YYYY-MM-DD (at the latest yesterday)")
    area: str | None = Field(None, description="administrative unit code (or GSO code); empty: the province")
    level: str | None = Field(None, description="province, district or commune, when the code is ambiguous")
    rerun: bool = Field(False, description="compute a finished run again (the figures come out the same)")


class ReportFileOut(Schema):
    format: str
    size: int
    sha256: str
    url: str


class ReportRunOut(Schema):
    id: int
    kind: str
    area_level: str
    area_code: str
    area_name: str
    first_day: date
    last_day: date
    status: str
    progress: float
    stage: str
    digest: str
    runs: int
    requested_at: datetime
    finished_at: datetime | None
    seconds: float | None
    error: str
    files: list[ReportFileOut]


class ReportRunDetailOut(ReportRunOut):
    figures: dict


class RunsQuery(Schema):
    kind: str | None = None
    limit: int = Field(100, ge=1, le=500)
