"""The URL map: pages, /healthz, the API at /api/, accounts, admin, language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .accounts.views import LoginView
from .api import api

# An unreachable database answers 503 with Retry-After from every path; anything else is Django's 500.
handler500 = "portal.unavailable.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("map/", include("portal.map.urls")),
    path("api/", api.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("layers/", include("layers.urls")),
    path("planning/", include("geoprocessing.urls")),
    path("ogcapi/", include("layers.ogcapi.urls")),
    path("tiles/", include("layers.tiles.urls")),
    path("incidents/", include("incidents.urls")),
    path("dispatch/", include("incidents.dispatch_urls")),
    path("chat/", include("incidents.chat.urls")),
    path("app/", include("incidents.citizen_app.urls")),
    path("open311/v2/", include("incidents.open311.urls")),
    path("reports/", include("reports.urls")),
    path("opendata/", include("opendata.urls")),
    path("cameras/", include("camera_analytics.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
