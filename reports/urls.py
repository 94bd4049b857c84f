from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_page, name="list"),
    path("<int:run_id>/", views.report_page, name="report"),
    path("<int:run_id>/<str:fmt>", views.report_page, name="file"),
]
