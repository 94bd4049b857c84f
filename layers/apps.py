from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = "Layers"

    def ready(self):
        from .kinds import load_all

        load_all()
