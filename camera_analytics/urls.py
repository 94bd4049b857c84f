"""Camera analytics pages under /cameras/: the calibration page, the reference frame, evidence files."""

from django.urls import path

from . import files, pages

app_name = "camera_analytics"

urlpatterns = [
    path("<int:camera_id>/calibrate/", pages.calibrate_page, name="calibrate"),
    path("<int:camera_id>/frame.jpg", files.serve_frame, name="frame"),
    path("evidence/<int:evidence_id>", files.serve_evidence, name="evidence"),
]
