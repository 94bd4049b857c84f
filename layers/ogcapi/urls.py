"""Routes of the OGC API at /ogcapi/ (portal/urls.py includes them)."""

from django.urls import path

from . import views

app_name = "ogcapi"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("conformance", views.conformance, name="conformance"),
    path("api", views.api, name="api"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:collection_id>", views.collection, name="collection"),
    path("collections/<str:collection_id>/queryables", views.queryables, name="queryables"),
    path("collections/<str:collection_id>/items", views.items, name="items"),
    # A feature id is the source's own key, which may hold any character (a '/' arrives as %2F).
    path("collections/<str:collection_id>/items/<path:feature_id>", views.item, name="item"),
]
