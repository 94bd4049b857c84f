"""pytest: the same real PostGIS and Redis as dev, isolated by a Redis db and a Celery queue of its own."""

import os
import secrets
from pathlib import Path

from .dev import *  # noqa: F403
from .dev import BASE_DIR, REDIS_URL

DEBUG = False
# Several web processes of one deployment share it (tests/deploy runs two); else a fresh one per run.
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; real hashers in dev/prod


def _redis_db(url: str, db: int) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}" if base.count("/") >= 2 else f"{url.rstrip('/')}/{db}"


# A separate Redis database keeps tests away from a running `make run` (Celery broadcasts are per db too).
REDIS_URL = _redis_db(REDIS_URL, int(os.environ.get("TEST_REDIS_DB", "15")))
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "portal-test")

# Parallel test runs on one machine (several checkouts, helpers) each need their own test database.
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}  # noqa: F405

# Incident media of a run are shared with the Celery worker it starts (the worker inherits the variable).
_media_run = os.environ.get("TEST_DB_NAME", "test")
os.environ.setdefault("INCIDENT_MEDIA_DIR", str(BASE_DIR / ".data" / f"test-media-{_media_run}"))
INCIDENT_MEDIA_DIR = Path(os.environ["INCIDENT_MEDIA_DIR"])
INCIDENT_MEDIA_RETRY_BASE_S = 0.2  # retries of failed media processing come at once in tests

# A worker killed part-way leaves its late-acknowledged task (imports, video runs, media) unacknowledged, and the
# broker delivers it again once the visibility timeout has passed (an hour by default). Tests that kill a worker
# start the next one with a short timeout, looked at every second.
if os.environ.get("CELERY_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["CELERY_VISIBILITY_TIMEOUT"]),
                                       "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
