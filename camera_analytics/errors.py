"""The app's errors as the portal's (code, HTTP status, safe message); the core's errors are turned into them."""

from contextlib import contextmanager

from portal.errors import NotFound, PortalError

from .core.errors import AnalyticsError

__all__ = ["CameraAnalyticsError", "CameraNotFound", "NotCalibrated", "AlreadyAnalysed", "StreamNotAllowed",
           "from_core", "core_errors"]


class CameraAnalyticsError(PortalError):
    code = "camera_analytics_error"
    http_status = 422


class CameraNotFound(NotFound):
    code = "camera_not_found"
    user_msg = "No such camera."


class NotCalibrated(CameraAnalyticsError):
    code = "not_calibrated"
    http_status = 409
    user_msg = "The camera is not calibrated: violations could not be placed on the map."


class AlreadyAnalysed(CameraAnalyticsError):
    code = "already_analysed"
    http_status = 409


class StreamNotAllowed(CameraAnalyticsError):
    code = "stream_not_allowed"


def from_core(exc: AnalyticsError) -> CameraAnalyticsError:
    error = CameraAnalyticsError(exc.message, code=exc.code, field=exc.field)
    error.http_status = exc.http_status
    return error


@contextmanager
def core_errors():
    """Inside: any error of the core comes out as the portal's, with the same code and message."""
    try:
        yield
    except AnalyticsError as exc:
        raise from_core(exc) from exc
