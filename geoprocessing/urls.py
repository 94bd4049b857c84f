from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.lookup_page, name="lookup"),
    path("queries/", views.queries_page, name="queries"),
    path("verify/<str:code>/", views.verify_page, name="verify"),
]
