"""Importing vector files into catalogued layers: any file GDAL reads, streamed, all-or-nothing."""

from .runner import ImportOptions, ImportReport, import_file

__all__ = ["ImportOptions", "ImportReport", "import_file"]
