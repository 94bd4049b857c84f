"""Settings shared by every environment. Nothing here holds a credential."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .env import BASE_DIR

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "ninja",
    "portal",
    "portal.accounts",
    "layers",
    "incidents",
    "incidents.chat",
    "incidents.citizen_app",
    "geoprocessing",
    "reports",
    "opendata",
    "camera_analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the headers too.
    "portal.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.locale_middleware.ChosenLanguageMiddleware",
    # Before anything reads a parameter: a NUL in text would otherwise be a 500 wherever it met PostgreSQL.
    "portal.input_guard.NulGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    # A pool, not persistent connections: under ASGI Django's persistent connections are per thread and
    # never reused, so every request opened a new session (measured: ~5-10 ms each, and "too many
    # clients" under load). The pool hands each request a warm session.
    config = dj_database_url.parse(url, engine="django.contrib.gis.db.backends.postgis", conn_max_age=0)
    # No JIT: the portal's queries are short, and PostgreSQL's cost guesses for PostGIS functions made it
    # compile a 1,000-feature page query for 35 ms of its 220 (measured in bench features).
    # prepare_threshold: Django turns preparing off (None) for connection poolers; its own cursors bind values in
    # the client and never prepare anyway, so this only lets cursors that bind on the server (intake's, the
    # geoprocessing core's) prepare as they ask: planning was most of intake's time in the database.
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "options": "-c jit=off", "prepare_threshold": 5, "pool": {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")), "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 10}}
    return config


def databases(primary_url: str) -> dict:
    """The primary, and a streaming read replica for tile and feature reads when DATABASE_REPLICA_URL names one
    (portal.db_routing); without it those read the primary too."""
    found = {"default": database_from_url(primary_url)}
    if os.environ.get("DATABASE_REPLICA_URL"):
        found["replica"] = {**database_from_url(os.environ["DATABASE_REPLICA_URL"]), "TEST": {"MIRROR": "default"}}
    return found


DATABASES = databases(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else {}
DATABASE_ROUTERS = ["portal.db_routing.ReplicaRouter"]
REDIS_URL = os.environ.get("REDIS_URL", "")

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Việt Nam first; English for visitors and partner agencies.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# MapLibre and other front-end packages come from npm and are served by the portal itself.
# Bootstrap (portal/mapassets) puts the files pages load from MapLibre and Leaflet (the reports' folium maps)
# there, and builds glyphs and sprites from Debian fonts and npm icons.
STATICFILES_DIRS = [("vendor/maplibre-gl", BASE_DIR / "built" / "vendor" / "maplibre-gl"),
                    ("vendor/leaflet", BASE_DIR / "built" / "vendor" / "leaflet"),
                    ("map", BASE_DIR / "built" / "map")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "portal")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task modules autodiscovery (which finds only `tasks.py`) would miss.
CELERY_IMPORTS = ["incidents.media_tasks"]
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
    # Imports whose worker died are closed as failed (the layer is unchanged: the transaction died with it).
    "stalled-imports": {"task": "layers.close_stalled_imports", "schedule": 300.0},
    # Reminders, escalations and auto-closing on the working-day calendar; then what they queued is mailed.
    "incident-deadlines": {"task": "incidents.sweep_deadlines", "schedule": 300.0},
    "incident-outbox": {"task": "incidents.deliver_outbox", "schedule": 30.0},
    # Weekly operating reports of the week just ended (province, each district IOC) and the monthly newsletter.
    "weekly-reports": {"task": "reports.weekly_reports", "schedule": crontab(minute=0, hour=7, day_of_week="mon")},
    "monthly-newsletter": {"task": "reports.monthly_newsletter",
                           "schedule": crontab(minute=0, hour=7, day_of_month="1")},
    "newsletter-outbox": {"task": "reports.deliver_newsletters", "schedule": 60.0},
    # Chat channels: status changes told on Zalo/Messenger, replies and photos moved once a gateway is set.
    "chat-relay": {"task": "chat.relay_status_changes", "schedule": 30.0},
    "chat-replies": {"task": "chat.deliver_replies", "schedule": 30.0},
    "chat-media": {"task": "chat.fetch_media", "schedule": 60.0},
    "chat-purge": {"task": "chat.purge", "schedule": 3600.0},
    "citizen-app-purge": {"task": "citizen_app.purge_keys", "schedule": 86400.0},
}

# Security headers (portal.security): the same on Django's answers and the lean ASGI paths.
SESSION_COOKIE_HTTPONLY = True
# Pages hand scripts the CSRF token in a form field, so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Addresses such as /incidents/track/<code> name a citizen's report: other sites are not told them.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Libraries that narrate every file they write.
    "loggers": {name: {"level": "WARNING"} for name in ("fontTools", "pyogrio", "rasterio", "fiona", "weasyprint")},
}

# Django's GDAL 3.6 cannot block file/network access from crafted spatial references (gis.W001).
# Files are read through pyogrio's bundled GDAL, and the portal runs in a closed network.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Real public data shared beside the repo (read in place, never copied in).
SHARED_DATA_DIR = Path(os.environ.get("SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

# Uploaded files wait here for a worker; never served.
IMPORT_UPLOAD_DIR = Path(os.environ.get("IMPORT_UPLOAD_DIR", BASE_DIR / "media" / "imports"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 1024 * 2**20))
# Archives (zip, gzip) are refused before GDAL unpacks them when they would expand past this many bytes in all,
# or, once past 100 MiB unpacked, by more than this ratio. Measured: GeoPackages compress ~4:1, a shapefile's
# space-padded DBF ~160:1; deflate itself tops out near 1030:1 (all zeros), where bombs sit.
IMPORT_ARCHIVE_MAX_BYTES = int(os.environ.get("IMPORT_ARCHIVE_MAX_BYTES", 8 * 2**30))
IMPORT_ARCHIVE_MAX_RATIO = int(os.environ.get("IMPORT_ARCHIVE_MAX_RATIO", 500))
# Workers report import progress every half second; this long a silence means the worker is gone.
IMPORT_STALLED_SECONDS = int(os.environ.get("IMPORT_STALLED_SECONDS", 300))
# Indexes of a replaced layer built side by side, each on a connection (and a core) of its own.
IMPORT_INDEX_WORKERS = int(os.environ.get("IMPORT_INDEX_WORKERS", min(4, os.cpu_count() or 1)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20  # larger uploads stream to a temporary file

# Chat channels (incidents.chat): webhook secrets and the send gateways come from the environment only; with
# no gateway, replies wait in the portal (chat outbox) and photos stay on the platform. Lists are comma-separated.
CHAT_ZALO_APP_ID = os.environ.get("CHAT_ZALO_APP_ID", "")
CHAT_ZALO_OA_SECRET_KEY = os.environ.get("CHAT_ZALO_OA_SECRET_KEY", "")
CHAT_ZALO_ACCESS_TOKEN = os.environ.get("CHAT_ZALO_ACCESS_TOKEN", "")
CHAT_ZALO_SEND_URL = os.environ.get("CHAT_ZALO_SEND_URL", "")
CHAT_ZALO_MEDIA_ORIGINS = [o for o in os.environ.get("CHAT_ZALO_MEDIA_ORIGINS", "").split(",") if o.strip()]
CHAT_MESSENGER_APP_SECRET = os.environ.get("CHAT_MESSENGER_APP_SECRET", "")
CHAT_MESSENGER_VERIFY_TOKEN = os.environ.get("CHAT_MESSENGER_VERIFY_TOKEN", "")
CHAT_MESSENGER_PAGE_TOKEN = os.environ.get("CHAT_MESSENGER_PAGE_TOKEN", "")
CHAT_MESSENGER_SEND_URL = os.environ.get("CHAT_MESSENGER_SEND_URL", "")
CHAT_MESSENGER_MEDIA_ORIGINS = [o for o in os.environ.get("CHAT_MESSENGER_MEDIA_ORIGINS", "").split(",")
                                if o.strip()]
CHAT_MESSENGER_UPDATE_TAG = os.environ.get("CHAT_MESSENGER_UPDATE_TAG", "")
