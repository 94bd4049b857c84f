"""Errors of the reports app: bad input is a 400 with the field and the reason."""

from portal.errors import PortalError

__all__ = ["ReportsError", "BadPeriod", "UnknownArea", "FormatNotOffered", "AreaNotAllowed", "ReportNotReady"]


class ReportsError(PortalError):
    code = "report_error"
    http_status = 400


class BadPeriod(ReportsError):
    code = "bad_period"


class UnknownArea(ReportsError):
    code = "unknown_area"
    user_msg = "No administrative unit with this code."


class FormatNotOffered(ReportsError):
    code = "format_not_offered"


class AreaNotAllowed(ReportsError):
    code = "area_not_allowed"
    http_status = 403
    user_msg = "You may report only on your own district."


class ReportNotReady(ReportsError):
    code = "report_not_ready"
    http_status = 409
    user_msg = "This report has not finished yet."
