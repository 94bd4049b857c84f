"""Errors of the accounts app."""

from portal.errors import InvalidInput, NotFound, PortalError


class AccountsError(PortalError):
    code = "accounts_error"


class WeakPassword(InvalidInput):
    code = "weak_password"
    user_msg = "The password is too weak."

    def __init__(self, user_msg: str | None = None):
        super().__init__(user_msg, field="password")


class TokenNotFound(NotFound):
    code = "token_not_found"
    user_msg = "No such active API token."
