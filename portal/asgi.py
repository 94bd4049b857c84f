"""ASGI entry point (uvicorn), so live updates can be added without changing the server."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
application = get_asgi_application()
