from django.urls import path

from . import views

urlpatterns = [
    path("", views.map_page, name="map"),
    path("style/<str:base>.json", views.style_view, name="map-style"),
    path("decisions/<int:pk>/document", views.decision_document, name="map-decision-document"),
]
