from django.urls import path

from . import views

app_name = "layers"
urlpatterns = [
    path("import/", views.upload, name="import-upload"),
    path("import/start/", views.start, name="import-start"),
    path("imports/<int:job_id>/", views.job, name="import-job"),
]
