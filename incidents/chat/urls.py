"""Chat channel pages under /chat/: the citizen's pin drop and the operators' reply outbox."""

from django.urls import path

from . import pages, pin

app_name = "chat"

urlpatterns = [
    path("pin/<str:key>", pin.pin_page, name="pin"),
    path("outbox/", pages.outbox_page, name="outbox"),
]
