"""Errors of the open-data portal: bad input is a 400 with the field and the reason."""

from portal.errors import NotFound, PortalError

__all__ = ["OpendataError", "FormatNotOffered", "UnknownDataset", "BundleTooLarge", "BadBundle"]


class OpendataError(PortalError):
    code = "opendata_error"
    http_status = 400


class FormatNotOffered(OpendataError):
    code = "format_not_offered"


class UnknownDataset(NotFound):
    user_msg = "No public dataset has this name."


class BundleTooLarge(OpendataError):
    code = "bundle_too_large"


class BadBundle(OpendataError):
    code = "bad_bundle"
