"""Errors of the OGC API: each carries its HTTP status and answers with the OGC exception body."""

from portal.errors import PortalError

__all__ = ["OgcApiError", "InvalidParameter", "NotFound", "NotAcceptable", "NotAuthenticated", "InvalidFilter"]


class OgcApiError(PortalError):
    code = "InvalidParameterValue"
    http_status = 400
    user_msg = "The request could not be completed."

    def as_ogc(self) -> dict:
        """The exception body of OGC API Common: {"code", "description"}."""
        return {"code": self.code, "description": self.user_msg}


class InvalidParameter(OgcApiError):
    code = "InvalidParameterValue"
    user_msg = "A query parameter has a value this service does not accept."

    def __init__(self, user_msg: str | None = None, *, parameter: str | None = None):
        super().__init__(user_msg, field=parameter)


class InvalidFilter(InvalidParameter):
    """A CQL2 filter that does not parse, or asks for what this collection cannot answer."""

    code = "InvalidFilter"
    user_msg = "The filter is not valid CQL2."

    def __init__(self, user_msg: str | None = None, *, position: int | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(user_msg, parameter="filter")
        self.position, self.line, self.column = position, line, column

    def as_ogc(self) -> dict:
        body = super().as_ogc()
        if self.position is not None:
            body["position"] = self.position
        if self.line is not None:
            body["line"], body["column"] = self.line, self.column
        return body


class NotFound(OgcApiError):
    """A missing collection or feature; a hidden one answers exactly the same."""

    code = "NotFound"
    http_status = 404
    user_msg = "Not found."


class NotAcceptable(OgcApiError):
    code = "NotAcceptable"
    http_status = 406
    user_msg = "This resource is available as JSON (f=json) or HTML (f=html) only."


class NotAuthenticated(OgcApiError):
    code = "NotAuthenticated"
    http_status = 401
    user_msg = "Log in or send a valid API token."
