"""Start-up checks: a province's planning settings that cannot work are refused by `manage.py check` and at
start, not by a 500 on every planning lookup."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.compatibility)
def corridor_widths(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .adapters import corridors

    try:
        corridors()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="geoprocessing.E001",
                             hint="Give PLANNING_CORRIDORS a width in metres and its regulation for each network.")]
    return []
