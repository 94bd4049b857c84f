"""manage.py import_admin_units FILE --level commune --map code=FIELD --map name=FIELD …"""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from layers.admin_units_import import FieldMapping, import_admin_units
from layers.errors import LayersError


def _day(text: str) -> date:
    return date.fromisoformat(text)


class Command(BaseCommand):
    help = ("Import provinces, districts or communes from any file GDAL reads (GeoJSON, GeoPackage, zipped "
            "Shapefile, …). Targets: code, name (required), name_ascii, gso_code, population, parent_code.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--level", required=True, choices=["province", "district", "commune"])
        parser.add_argument("--map", action="append", default=[], metavar="TARGET=FIELD")
        parser.add_argument("--mapping-file", help="JSON object {target: field}")
        parser.add_argument("--layer", help="layer name, for files with several")
        parser.add_argument("--valid-from", type=_day, help="first day in force (YYYY-MM-DD)")
        parser.add_argument("--valid-to", type=_day, help="first day no longer in force (YYYY-MM-DD)")
        parser.add_argument("--code-prefix", default="", help="prefix for codes that are not GSO codes")
        parser.add_argument("--srid", type=int, help="EPSG code, when the file has no CRS")

    def handle(self, *args, **opts):
        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")

        try:
            mapping = FieldMapping.parse(opts["map"], opts["mapping_file"])
            report = import_admin_units(
                opts["path"], level=opts["level"], mapping=mapping, layer=opts["layer"],
                valid_from=opts["valid_from"], valid_to=opts["valid_to"], code_prefix=opts["code_prefix"],
                srid=opts["srid"], progress=progress if opts["verbosity"] > 0 else None)
        except LayersError as exc:
            raise CommandError(exc.user_msg) from exc
        self.stdout.write(report.summary())
