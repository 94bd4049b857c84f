"""The dispatcher's pages under /dispatch/: the live page and its event stream."""

from django.urls import path

from .dispatch import dispatch_page
from .dispatch_stream import dispatch_events

app_name = "dispatch"

urlpatterns = [
    path("", dispatch_page, name="page"),
    path("events", dispatch_events, name="events"),
]
