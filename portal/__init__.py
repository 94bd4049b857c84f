"""The portal project: settings, URL map, auth and roles, pages, the API root."""

from .celery import app as celery_app

__all__ = ["celery_app"]
