from django.urls import path, re_path

from . import raster_views, views

app_name = "tiles"
urlpatterns = [
    re_path(r"^raster/(?P<slug>[\w-]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.png$", raster_views.raster_tile,
            name="raster-tile"),
    # z/x/y taken as text so that "abc" is a 400 with a reason, not a bare 404.
    re_path(r"^(?P<layers>[\w,-]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.mvt$", views.tile, name="tile"),
    path("<str:layers>/style.json", views.style_view, name="style"),
    path("<str:layers>.json", views.tilejson_view, name="tilejson"),
]
