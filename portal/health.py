"""Health of the parts the portal needs: database, PostGIS, Redis, a Celery worker."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection

__all__ = ["check_health"]


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), postgis_lib_version(), postgis_full_version()")
            server, postgis, full = cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "server": server.split(" on ")[0], "postgis": postgis, "postgis_full": full}


def _redis() -> dict:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        info = client.info("server")
    except (redis.RedisError, OSError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "version": info.get("redis_version")}


def _celery(redis_ok: bool) -> dict:
    if not redis_ok:
        return {"ok": False, "workers": 0, "error": "broker unreachable"}
    from portal.celery import app

    try:
        replies = app.control.ping(timeout=1.0) or []
    except (OSError, redis.RedisError) as exc:
        return {"ok": False, "workers": 0, "error": type(exc).__name__}
    return {"ok": bool(replies), "workers": len(replies)}


def check_health() -> tuple[bool, dict]:
    database = _database()
    cache = _redis()
    worker = _celery(cache["ok"])
    checks = {"database": database, "redis": cache, "celery": worker}
    healthy = all(part["ok"] for part in checks.values())
    return healthy, {"status": "ok" if healthy else "degraded", **checks}
