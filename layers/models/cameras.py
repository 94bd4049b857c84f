"""Fixed cameras: where they stand, where they look, and the ground they see."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .fields import Feature, web_mercator


class Camera(Feature):
    class Kind(models.TextChoices):
        TRAFFIC = "traffic", _("Traffic")
        SECURITY = "security", _("Security")

    class State(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Offline")
        MAINTENANCE = "maintenance", _("Maintenance")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=State.choices, default=State.ONLINE)
    heading_deg = models.FloatField(help_text="direction of view, degrees clockwise from north")
    view_angle_deg = models.FloatField(default=60)
    range_m = models.FloatField(default=80)
    # Private: the stream address never leaves the portal's internal APIs.
    stream_url = models.CharField(max_length=500, blank=True, default="")
    geom = models.PointField(srid=4326)
    geom_3857 = web_mercator(models.PointField)
    # Derived from position, heading, angle and range (layers.camera_view) whenever those change.
    fov = models.PolygonField(srid=4326, null=True, blank=True)

    class Meta(Feature.Meta):
        constraints = [
            *Feature.Meta.constraints,
            models.CheckConstraint(condition=models.Q(heading_deg__gte=0, heading_deg__lt=360),
                                   name="camera_heading_range"),
            models.CheckConstraint(condition=models.Q(view_angle_deg__gt=0, view_angle_deg__lte=360),
                                   name="camera_angle_range"),
            models.CheckConstraint(condition=models.Q(range_m__gt=0), name="camera_range_positive"),
        ]
