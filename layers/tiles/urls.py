from django.urls import path, re_path

from . import views

app_name = "tiles"
urlpatterns = [
    # z/x/y taken as text so that "abc" is a 400 with a reason, not a bare 404.
    re_path(r"^(?P<layers>[\w,-]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.mvt$", views.tile, name="tile"),
    path("<str:layers>.json", views.tilejson_view, name="tilejson"),
]
