from django.apps import AppConfig


class CitizenAppConfig(AppConfig):
    name = "incidents.citizen_app"
    label = "citizen_app"
    verbose_name = "Citizen app"
