"""manage.py import_admin_successions FILE.csv — old unit → new unit, closing the old ones."""

from django.core.management.base import BaseCommand, CommandError

from layers.errors import LayersError
from layers.successions_import import import_successions


class Command(BaseCommand):
    help = "Import a succession table (old_level, old_code, new_level, new_code, effective[, kind, note])."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **opts):
        try:
            report = import_successions(opts["path"])
        except LayersError as exc:
            raise CommandError(exc.user_msg) from exc
        self.stdout.write(report.summary())
