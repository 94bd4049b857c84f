"""Routes of the OGC API at /ogcapi/ (portal/urls.py includes them)."""

from django.urls import path

from . import tiles, transactions, views

app_name = "ogcapi"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("conformance", views.conformance, name="conformance"),
    path("api", views.api, name="api"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:collection_id>", views.collection, name="collection"),
    path("collections/<str:collection_id>/queryables", views.queryables, name="queryables"),
    path("collections/<str:collection_id>/items", transactions.items_endpoint, name="items"),
    # A feature id is the source's own key, which may hold any character (a '/' arrives as %2F).
    path("collections/<str:collection_id>/items/<path:feature_id>", transactions.item_endpoint, name="item"),
    path("tileMatrixSets", tiles.tile_matrix_sets, name="tile-matrix-sets"),
    path("tileMatrixSets/<str:tms>", tiles.web_mercator_quad, name="tms"),
    path("collections/<str:collection_id>/tiles", tiles.tilesets, name="tilesets"),
    path("collections/<str:collection_id>/tiles/<str:tms>", tiles.tileset, name="tileset"),
    path("collections/<str:collection_id>/tiles/<str:tms>/<str:z>/<str:row>/<str:col>", tiles.tile, name="tile"),
]
