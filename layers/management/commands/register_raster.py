"""manage.py register_raster PATH --slug … --title-vi … --title-en … [--unit people] [--visibility public]"""

import logging
import warnings
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from rasterio.errors import NotGeoreferencedWarning

from layers.errors import LayersError
from layers.models import Layer
from layers.rasters import do_register_raster


class Command(BaseCommand):
    help = ("Register a GeoTIFF (any raster GDAL reads, with a CRS) as a raster layer where it lies, or refresh "
            "one already registered under the same slug: new statistics, version + 1. Options not given keep "
            "their current value on a refresh.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--slug", required=True)
        parser.add_argument("--title-vi", required=True)
        parser.add_argument("--title-en", required=True)
        parser.add_argument("--unit", help="unit of the values, e.g. people, m")
        parser.add_argument("--visibility", choices=Layer.Visibility.values, help="new layers: public")
        parser.add_argument("--role", action="append", dest="roles", metavar="ROLE",
                            help="a role that may see a restricted layer (repeatable)")
        parser.add_argument("--band", type=int, default=1)
        parser.add_argument("--attribution")
        parser.add_argument("--licence")

    def handle(self, *args, **opts):
        try:
            with _quiet_gdal(opts["verbosity"] < 2):
                raster = do_register_raster(
                    path=opts["path"], slug=opts["slug"], title_vi=opts["title_vi"], title_en=opts["title_en"],
                    unit=opts["unit"], visibility=opts["visibility"], band=opts["band"],
                    attribution=opts["attribution"], licence=opts["licence"], allowed_roles=opts["roles"])
        except LayersError as exc:
            raise CommandError(" ".join(exc.user_msg.split())) from exc
        layer, stats = raster.layer, raster.stats
        self.stdout.write(
            f"{layer.slug} v{layer.version} ({layer.visibility}): {raster.width}×{raster.height} px, {raster.crs}, "
            f"band {raster.band} min {stats['min']} max {stats['max']} mean {stats['mean']} {raster.unit}".rstrip())


@contextmanager
def _quiet_gdal(quiet: bool):
    """GDAL's own messages (via the `rasterio` logger and NotGeoreferencedWarning) repeat what the error
    says; a failed registration prints one line unless -v 2 asks for the details."""
    if not quiet:
        yield
        return
    gdal_log = logging.getLogger("rasterio")
    level = gdal_log.level
    gdal_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            yield
    finally:
        gdal_log.setLevel(level)
