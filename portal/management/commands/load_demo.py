"""manage.py load_demo — idempotent; prints the demo users' passwords once, when it creates them."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from layers.errors import LayersError
from portal.demo import create_demo_users, load_admin_units, load_org_units


class Command(BaseCommand):
    help = "Load the demo province (Ninh Thuận): real admin units, organisations, one user per role."

    def handle(self, *args, **opts):
        try:
            load_admin_units(settings.SHARED_DATA_DIR / "boundaries", self.stdout.write)
        except (LayersError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        load_org_units()
        created = create_demo_users()
        if created:
            self.stdout.write("Demo users (passwords shown only now; change them for anything but a demo):")
            for username, password in created.items():
                self.stdout.write(f"  {username:22} {password}")
        self.stdout.write("demo loaded")
