"""Production: refuses to start without its secrets and hosts; no credential has a default."""

import os

from .env import require

_env = require("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL",
               hint="production refuses to start without them")

from .base import *  # noqa: E402,F403
from .base import databases  # noqa: E402

DEBUG = False
SECRET_KEY = _env["SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in _env["ALLOWED_HOSTS"].split(",") if host.strip()]
DATABASES = databases(_env["DATABASE_URL"])
REDIS_URL = _env["REDIS_URL"]
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS by default, as the cookies above: plain-HTTP requests are sent to HTTPS (except the health check, which
# load balancers call over HTTP), and browsers remember for a year not to try HTTP again.
SECURE_SSL_REDIRECT = os.environ.get("SSL_REDIRECT", "1") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(STATIC_ROOT))  # noqa: F405
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(MEDIA_ROOT))  # noqa: F405
