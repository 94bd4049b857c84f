"""The error base every app's errors derive from; the API turns each into a JSON body and a status."""

__all__ = ["PortalError", "NotFound", "PermissionDenied", "InvalidInput", "BodyTooLarge"]


class PortalError(Exception):
    """An error a user may see: a stable machine `code`, an HTTP status and a safe message."""

    code = "error"
    http_status = 400
    user_msg = "The request could not be completed."

    def __init__(self, user_msg: str | None = None, *, code: str | None = None, field: str | None = None):
        self.user_msg = user_msg or self.user_msg
        self.code = code or self.code
        self.field = field
        super().__init__(self.user_msg)

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.user_msg}
        if self.field:
            body["errors"] = [{"field": self.field, "reason": self.user_msg}]
        return body


class InvalidInput(PortalError):
    code = "invalid_input"
    http_status = 422
    user_msg = "The input is not valid."


class NotFound(PortalError):
    code = "not_found"
    http_status = 404
    user_msg = "Not found."


class PermissionDenied(PortalError):
    code = "permission_denied"
    http_status = 403
    user_msg = "You do not have permission to do this."


class BodyTooLarge(PortalError):
    code = "too_large"
    http_status = 413
    user_msg = "The request body is too large."
