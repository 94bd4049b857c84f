"""The citizen app under /app/: its shell, service worker (scoped to /app/), manifest and icons."""

from django.urls import path

from . import pages

app_name = "citizen_app"

urlpatterns = [
    path("", pages.shell, name="shell"),
    path("sw.js", pages.service_worker, name="sw"),
    path("manifest.webmanifest", pages.manifest, name="manifest"),
    path("icons/<str:name>.png", pages.icon, name="icon"),
]
