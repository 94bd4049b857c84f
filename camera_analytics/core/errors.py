"""Errors of the video core: a stable code, the HTTP status an adapter answers with, a message safe to show."""

from __future__ import annotations

__all__ = ["AnalyticsError", "VideoUnreadable", "VideoWithoutFrames", "DegenerateCalibration", "BadRule",
           "OutsideFrame"]


class AnalyticsError(ValueError):
    """Root of the core's errors; also a ValueError, so plain callers can catch what they know."""

    code = "camera_analytics_error"
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.field:
            body["errors"] = [{"field": self.field, "reason": self.message}]
        return body


class VideoUnreadable(AnalyticsError):
    """Not a video the decoder can open (missing, truncated, another kind of file, a stream that is down)."""

    code = "video_unreadable"


class VideoWithoutFrames(AnalyticsError):
    code = "video_without_frames"


class DegenerateCalibration(AnalyticsError):
    """Point pairs that fix no homography: fewer than four, repeated, collinear, or folding the ground over."""

    code = "degenerate_calibration"


class BadRule(AnalyticsError):
    code = "invalid_rule"


class OutsideFrame(AnalyticsError):
    code = "outside_frame"
