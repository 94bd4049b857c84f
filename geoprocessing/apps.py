from django.apps import AppConfig


class GeoprocessingConfig(AppConfig):
    """Thin Django adapters (API, pages, issued planning sheets) around the framework-free spatial core."""

    name = "geoprocessing"
    verbose_name = "Geoprocessing"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the start-up checks)
