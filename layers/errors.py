"""Errors of the layers app: bad files, bad mappings, bad succession tables."""

from portal.errors import PortalError

__all__ = ["LayersError", "UnreadableFile", "ArchiveTooLarge", "SuspiciousArchive",
           "BadMapping", "NoCrs", "BadGeometry", "UnknownUnits", "BadRasterOption",
           "RasterUnavailable", "ReadOnlyLayer"]


class LayersError(PortalError):
    code = "layers_error"
    http_status = 400


class UnreadableFile(LayersError):
    code = "unreadable_file"
    user_msg = "The file could not be read as vector data."


class ArchiveTooLarge(LayersError):
    """A zip or gzip upload that would unpack past the portal's limit (IMPORT_ARCHIVE_MAX_BYTES)."""

    code = "archive_too_large"
    http_status = 413
    user_msg = "The archive would unpack to more than the portal accepts."


class SuspiciousArchive(LayersError):
    """An archive compressed past any real data's ratio (IMPORT_ARCHIVE_MAX_RATIO): a decompression bomb."""

    code = "suspicious_archive"
    http_status = 422
    user_msg = "The archive is compressed far more than real data is; it was not unpacked."


class BadMapping(LayersError):
    code = "bad_mapping"
    http_status = 422
    user_msg = "The field mapping does not fit the file."


class NoCrs(LayersError):
    code = "no_crs"
    http_status = 422
    user_msg = "The file does not say which coordinate reference system it uses."


class BadGeometry(LayersError):
    code = "bad_geometry"
    http_status = 422
    user_msg = "The file has geometries of a kind this layer cannot hold."


class UnknownUnits(LayersError):
    code = "unknown_units"
    http_status = 422
    user_msg = "Some administrative units named in the file do not exist."


class BadRasterOption(LayersError):
    code = "bad_raster_option"
    http_status = 422
    user_msg = "The raster layer's settings are not valid."


class RasterUnavailable(LayersError):
    code = "raster_unavailable"
    http_status = 503
    user_msg = "The file of this raster layer cannot be read on the server right now."


class ReadOnlyLayer(LayersError):
    """A layer whose kind has no importable key: it shows rows kept elsewhere (admin units through a view)."""

    code = "read_only_layer"
    http_status = 409
    user_msg = "This layer is read from the administrative units; change those with import_admin_units."
