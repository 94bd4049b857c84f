"""ASGI entry point (uvicorn): public tiles and JSON incident reports on lean paths, everything else through Django."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by get_asgi_application)

from incidents.lean import LeanIntake  # noqa: E402
from layers.tiles.lean import LeanTiles  # noqa: E402

application = LeanIntake(LeanTiles(
    django_application, database_url=os.environ.get("DATABASE_REPLICA_URL") or os.environ["DATABASE_URL"],
    primary_url=os.environ["DATABASE_URL"], redis_url=settings.REDIS_URL))
