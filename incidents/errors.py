"""Errors of incident intake and handling, each with its status and a message a citizen can act on."""

from portal.errors import InvalidInput, NotFound, PermissionDenied, PortalError

__all__ = ["IncidentError", "UnknownCategory", "NoLocation", "OutsideProvince", "TextTooLong", "TooManyFiles",
           "SpamSuspected", "RateLimited", "InvalidTransition", "IncidentNotFound", "NotYourIncident",
           "ReopenClosed", "LinkNotUsable"]


class IncidentError(PortalError):
    code = "incident_error"


class UnknownCategory(InvalidInput):
    code = "unknown_category"
    user_msg = "There is no such category."

    def __init__(self, value: str, *, field: str = "category"):
        super().__init__(f"There is no category {value!r}.", field=field)


class NoLocation(InvalidInput):
    code = "no_location"
    user_msg = "Pick the place on the map (or give its coordinates)."

    def __init__(self, user_msg: str | None = None, *, field: str = "location"):
        super().__init__(user_msg, field=field)


class OutsideProvince(InvalidInput):
    code = "outside_province"

    def __init__(self, *, where: str, province: str):
        super().__init__(f"The place is in {where}, outside {province}: this portal takes reports for "
                         f"{province} only.", field="location")


class TextTooLong(InvalidInput):
    code = "too_long"

    def __init__(self, *, field: str, limit: int):
        super().__init__(f"{field} is longer than {limit} characters.", field=field)


class TooManyFiles(InvalidInput):
    code = "too_many_files"

    def __init__(self, *, limit: int):
        super().__init__(f"At most {limit} photos or videos per report.", field="media")


class SpamSuspected(IncidentError):
    # Said plainly: a real person who filled the hidden field by accident can read it and try again.
    code = "spam_suspected"
    http_status = 400
    user_msg = "The form was sent too fast or with a field people cannot see filled in. Please try again."


class RateLimited(IncidentError):
    code = "rate_limited"
    http_status = 429
    user_msg = "Too many reports from this address. Please wait a while and try again."


class InvalidTransition(IncidentError):
    code = "invalid_transition"
    http_status = 409

    def __init__(self, *, action: str, status: str):
        super().__init__(f"A report that is {status} cannot be {action}.")


class IncidentNotFound(NotFound):
    user_msg = "There is no report with this code."


class NotYourIncident(PermissionDenied):
    user_msg = "This report is handled by another agency."


class ReopenClosed(IncidentError):
    code = "reopen_closed"
    http_status = 409

    def __init__(self, *, days: int):
        super().__init__(f"A report can be reopened within {days} days of its resolution only.")


class LinkNotUsable(IncidentError):
    code = "link_not_usable"
    http_status = 410
    user_msg = "This link has been used or has expired. Call the hotline again for a new one."
