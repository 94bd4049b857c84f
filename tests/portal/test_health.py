"""/healthz reports the real PostGIS, Redis and Celery worker, and 503 when a part is down."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_live_postgis_redis_and_worker(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        live_version = cursor.fetchone()[0]
    assert body["database"]["postgis"] == live_version
    assert live_version.startswith("3.")
    assert body["database"]["server"].startswith("PostgreSQL 15")
    assert body["redis"]["ok"] is True
    assert body["celery"]["workers"] >= 1
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False
    assert body["celery"]["ok"] is False
    assert body["database"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")
