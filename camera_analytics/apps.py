from django.apps import AppConfig


class CameraAnalyticsConfig(AppConfig):
    """Thin Django adapters (models, tasks, command, API, calibration page) around the framework-free video core."""

    name = "camera_analytics"
    verbose_name = "Camera analytics"
