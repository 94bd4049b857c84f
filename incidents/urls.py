"""Incident pages under /incidents/: report form, tracking, public list and map, hotline console, media."""

from django.urls import path

from . import files, pages

app_name = "incidents"

urlpatterns = [
    path("", pages.public_list, name="list"),
    path("map/", pages.public_map, name="map"),
    path("report/", pages.report_form, name="report"),
    path("track/", pages.track_lookup, name="track-lookup"),
    path("track/<str:code>", pages.track, name="track"),
    path("pin/<str:key>", pages.pin_drop, name="pin"),
    path("hotline/", pages.hotline_console, name="hotline"),
    path("media/<int:media_id>/<str:variant>", files.serve_media, name="media"),
]
