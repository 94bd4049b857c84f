"""Developer machine: `make run`. Servers come from the environment or from bootstrap's .data/env."""

import os
import secrets

from .env import BASE_DIR, load_local_env, require

load_local_env()
_env = require("DATABASE_URL", "REDIS_URL", hint="run `make setup` (it starts local servers) or export them")

from .base import *  # noqa: E402,F403
from .base import databases  # noqa: E402

DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DATABASES = databases(_env["DATABASE_URL"])
REDIS_URL = _env["REDIS_URL"]
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL


def _local_secret_key() -> str:
    """A per-checkout key kept in .data/, so sessions survive restarts without a committed secret."""
    path = BASE_DIR / ".data" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
