"""manage.py export_layer SLUG --format gpkg [--out FILE]: the same export as the API, public columns only."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.errors import LayersError
from layers.exporting import FORMATS, export_filename, export_layer
from layers.models import Layer


class Command(BaseCommand):
    help = ("Export a layer's public columns and geometry (EPSG:4326) as GeoPackage, GeoJSON, zipped Shapefile, "
            "CSV (WKT geometry), FlatGeobuf or KML. Private columns are never written.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--out", help="file to write (default: <slug>-v<version>.<ext> here)")

    def handle(self, *args, **opts):
        layer = Layer.objects.filter(slug=opts["slug"]).first()
        if layer is None:
            raise CommandError(f"no layer {opts['slug']!r}")
        out = Path(opts["out"] or export_filename(layer, opts["format"]))
        try:
            export = export_layer(layer, opts["format"])
        except LayersError as exc:
            raise CommandError(exc.user_msg) from exc
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as handle:
                size = export.write_to(handle)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"wrote {out} ({size:,} bytes, {layer.slug} version {layer.version})")
