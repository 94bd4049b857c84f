"""Project-wide Celery tasks: a probe that proves a worker reaches PostGIS, and beat's heartbeat."""

import os
import socket

import redis
from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "portal:beat:last"


@shared_task(name="portal.tasks.probe")
def probe() -> dict:
    """Answer from inside the worker: which process ran, and what PostGIS it sees."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version(), current_database()")
        postgis, database = cursor.fetchone()
    return {"hostname": socket.gethostname(), "pid": os.getpid(), "postgis": postgis, "database": database}


@shared_task(name="portal.tasks.heartbeat")
def heartbeat() -> str:
    """Beat schedules this every minute; /healthz shows when it last ran."""
    now = timezone.now().isoformat()
    redis.Redis.from_url(settings.REDIS_URL).set(HEARTBEAT_KEY, now, ex=3600)
    return now
