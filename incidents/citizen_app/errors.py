"""Refusals of the citizen app's submission endpoint, beyond intake's own."""

from portal.errors import InvalidInput, PortalError

__all__ = ["MissingKey", "KeyReused", "SubmissionGone"]


class MissingKey(InvalidInput):
    code = "idempotency_key_required"

    def __init__(self, message: str = "Send an Idempotency-Key header: 16 to 100 letters, digits, '-' or '_' "
                                      "(a UUID per draft)."):
        super().__init__(message, field="Idempotency-Key")


class KeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self):
        super().__init__("This Idempotency-Key was already used for a different report.", field="Idempotency-Key")


class SubmissionGone(PortalError):
    code = "submission_gone"
    http_status = 410
    user_msg = "The report sent with this key has been removed."
