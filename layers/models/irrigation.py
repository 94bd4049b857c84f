"""Irrigation: canals joined at works (pumping stations, sluices, junctions) and the areas they water."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .fields import Feature, geodesic_area, geodesic_length, web_mercator


class IrrigationWork(Feature):
    class Kind(models.TextChoices):
        PUMPING_STATION = "pumping_station", _("Pumping station")
        SLUICE = "sluice", _("Sluice gate")
        JUNCTION = "junction", _("Junction")
        INTAKE = "intake", _("Intake")
        OUTLET = "outlet", _("Outlet")

    class State(models.TextChoices):
        OPERATING = "operating", _("Operating")
        STANDBY = "standby", _("Standby")
        BROKEN = "broken", _("Out of order")

    name = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    capacity_m3h = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=State.choices, default=State.OPERATING)
    gate_open = models.BooleanField(null=True, blank=True, help_text="sluices only: open or closed")
    geom = models.PointField(srid=4326)
    geom_3857 = web_mercator(models.PointField)

    class Meta(Feature.Meta):
        pass


class Canal(Feature):
    """A canal reach drawn in the direction water flows, from one work to the next."""

    class Lining(models.TextChoices):
        EARTH = "earth", _("Earth")
        CONCRETE = "concrete", _("Concrete")
        MASONRY = "masonry", _("Masonry")
        PIPE = "pipe", _("Pipe")

    name = models.CharField(max_length=200, blank=True, default="")
    level = models.PositiveSmallIntegerField(help_text="1: main canal, 2: primary, 3: secondary, …")
    capacity_m3s = models.FloatField(null=True, blank=True)
    lining = models.CharField(max_length=10, choices=Lining.choices, default=Lining.EARTH)
    # No database constraint: works live in a table partitioned by layer, which no foreign key can target;
    # the links are derived from geometry by every import of either layer.
    from_work = models.ForeignKey(IrrigationWork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False)
    to_work = models.ForeignKey(IrrigationWork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 db_constraint=False)
    geom = models.LineStringField(srid=4326)
    geom_3857 = web_mercator(models.LineStringField)
    length_m = geodesic_length()

    class Meta(Feature.Meta):
        pass


class IrrigatedArea(Feature):
    name = models.CharField(max_length=200, blank=True, default="")
    crop = models.CharField(max_length=60, blank=True, default="")
    # No database constraint, as for canals: works are partitioned by layer.
    served_by = models.ForeignKey(IrrigationWork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False)
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        pass
