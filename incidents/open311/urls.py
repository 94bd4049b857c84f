"""/open311/v2/…: format by suffix, .xml or .json, as GeoReport v2 clients call it."""

from django.urls import re_path

from . import views

app_name = "open311"

_FMT = r"\.(?P<fmt>\w+)$"
urlpatterns = [
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)" + _FMT, views.service_definition, name="service"),
    re_path(r"^requests" + _FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+)" + _FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token_id>[\w-]+)" + _FMT, views.token, name="token"),
]
