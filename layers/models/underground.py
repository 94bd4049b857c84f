"""Urban underground networks: water supply, drainage, sewer, power, telecom — segments joined at nodes."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .fields import Feature, geodesic_length, web_mercator


class Network(models.TextChoices):
    WATER = "water", _("Water supply")
    DRAINAGE = "drainage", _("Drainage")
    SEWER = "sewer", _("Sewer")
    POWER = "power", _("Power")
    TELECOM = "telecom", _("Telecom")


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")
    UNKNOWN = "unknown", _("Unknown")


class NetworkNode(Feature):
    """Valve, manhole, hydrant, cabinet, transformer, junction…"""

    network = models.CharField(max_length=10, choices=Network.choices)
    node_type = models.CharField(max_length=30)
    depth_m = models.FloatField(null=True, blank=True)
    operator = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    install_year = models.PositiveSmallIntegerField(null=True, blank=True)
    geom = models.PointField(srid=4326)
    geom_3857 = web_mercator(models.PointField)

    class Meta(Feature.Meta):
        pass


class NetworkSegment(Feature):
    """A pipe, duct or cable run between two nodes; its direction is the flow's for gravity networks."""

    network = models.CharField(max_length=10, choices=Network.choices)
    # No database constraint: nodes live in a table partitioned by layer, which no foreign key can target;
    # the links are derived from geometry by every import of either layer.
    from_node = models.ForeignKey(NetworkNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False)
    to_node = models.ForeignKey(NetworkNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 db_constraint=False)
    depth_m = models.FloatField(null=True, blank=True, help_text="cover depth to the top of the pipe or duct")
    diameter_mm = models.PositiveIntegerField(null=True, blank=True)
    section = models.CharField(max_length=40, blank=True, default="", help_text="box sections, e.g. 800x600")
    material = models.CharField(max_length=40, blank=True, default="")
    install_year = models.PositiveSmallIntegerField(null=True, blank=True)
    operator = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    geom = models.LineStringField(srid=4326)
    geom_3857 = web_mercator(models.LineStringField)
    length_m = geodesic_length()

    class Meta(Feature.Meta):
        pass
