from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.catalog_page, name="catalog"),
    path("catalog.jsonld", views.dcat_view, name="dcat"),
    path("api/3/action/<str:action>", views.ckan_action, name="ckan"),
    path("<slug:slug>/", views.dataset_page, name="dataset"),
]
