"""Errors of the accounts app."""

from portal.errors import NotFound, PortalError


class AccountsError(PortalError):
    code = "accounts_error"


class TokenNotFound(NotFound):
    code = "token_not_found"
    user_msg = "No such active API token."
