from django.apps import AppConfig


class OpendataConfig(AppConfig):
    """The open-data portal: the public catalog, cached downloads with checksums, DCAT-AP and CKAN for
    harvesters, open incident statistics, offline bundles."""

    name = "opendata"
    verbose_name = "Open data"
