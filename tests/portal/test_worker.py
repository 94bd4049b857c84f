"""A real Celery worker process runs a real task that talks to PostGIS."""

import os

import pytest
from django.db import connection

from portal.tasks import HEARTBEAT_KEY, heartbeat, probe


@pytest.mark.django_db
def test_worker_runs_probe_in_another_process(celery_worker):
    result = probe.delay().get(timeout=30)
    assert result["pid"] == celery_worker.pid
    assert result["pid"] != os.getpid()
    assert result["database"] == connection.settings_dict["NAME"]
    assert result["postgis"].startswith("3.")


@pytest.mark.django_db
def test_beat_heartbeat_lands_in_redis(celery_worker, settings):
    import redis

    stamp = heartbeat.delay().get(timeout=30)
    stored = redis.Redis.from_url(settings.REDIS_URL).get(HEARTBEAT_KEY)
    assert stored.decode() == stamp
