"""manage.py load_demo — idempotent; prints the demo users' passwords once, when it creates them."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents.demo import load_demo_incidents, load_incident_setup
from layers.errors import LayersError
from portal.demo import create_demo_users, load_admin_units, load_basemap, load_demo_layers, load_org_units


class Command(BaseCommand):
    help = "Load the demo province (Ninh Thuận): real admin units, organisations, one user per role."

    def add_arguments(self, parser):
        parser.add_argument("--parcels", type=int, default=10_000, help="size of the generated demo province")

    def handle(self, *args, **opts):
        try:
            load_admin_units(settings.SHARED_DATA_DIR / "boundaries", self.stdout.write)
        except (LayersError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        load_org_units()
        load_incident_setup()
        try:
            load_basemap(settings.SHARED_DATA_DIR / "osm", self.stdout.write)
        except (LayersError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        if load_demo_layers(settings.SHARED_DATA_DIR, self.stdout.write, parcels=opts["parcels"]):
            self.stdout.write(f"demo layers loaded in {time.perf_counter() - started:.1f} s")
        created = create_demo_users()
        if created:
            self.stdout.write("Demo users (passwords shown only now; change them for anything but a demo):")
            for username, password in created.items():
                self.stdout.write(f"  {username:22} {password}")
        load_demo_incidents(self.stdout.write)
        self.stdout.write("demo loaded")
