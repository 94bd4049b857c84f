"""Production: refuses to start without its secrets and hosts; no credential has a default."""

import os

from .env import require

_env = require("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL",
               hint="production refuses to start without them")

from .base import *  # noqa: E402,F403
from .base import database_from_url  # noqa: E402

DEBUG = False
SECRET_KEY = _env["SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in _env["ALLOWED_HOSTS"].split(",") if host.strip()]
DATABASES = {"default": database_from_url(_env["DATABASE_URL"])}
REDIS_URL = _env["REDIS_URL"]
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(STATIC_ROOT))  # noqa: F405
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(MEDIA_ROOT))  # noqa: F405
