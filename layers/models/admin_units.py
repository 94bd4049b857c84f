"""Administrative units of Việt Nam with their validity periods and the succession between them."""

from datetime import date

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .basemap import label_point


class AdminUnitQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        """Units in force on `day`: valid_from <= day < valid_to (open-ended when valid_to is null)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day))

    def containing(self, point):
        return self.filter(geom__covers=point)


class AdminUnit(models.Model):
    """A province, district or commune as it stood during [valid_from, valid_to)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    level = models.CharField(max_length=10, choices=Level.choices)
    # Our key for the unit within its level and period: the GSO code when known, else the source's own id.
    code = models.CharField(max_length=40)
    gso_code = models.CharField(max_length=10, blank=True, default="", help_text="Mã đơn vị hành chính (GSO)")
    name = models.CharField(max_length=255, help_text="Vietnamese name, e.g. 'Phường Kinh Dinh'")
    name_ascii = models.CharField(max_length=255, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    population = models.BigIntegerField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True, help_text="Empty: in force since before our records.")
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: still in force.")
    source = models.CharField(max_length=255, blank=True, default="")
    geom = models.MultiPolygonField(srid=4326)
    # Web Mercator copy for vector tiles, computed by PostgreSQL so it can never drift from geom.
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.MultiPolygonField(srid=3857),
        db_persist=True,
    )
    # Where the unit's name is drawn on the map (basemap label tiles).
    label_3857 = label_point()

    objects = AdminUnitQuerySet.as_manager()

    class Meta:
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code", "valid_from"], name="adminunit_unique_per_period",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gt=models.F("valid_from")), name="adminunit_period_order"),
        ]
        indexes = [
            models.Index(fields=["level", "gso_code"]),
            GistIndex(fields=["geom_3857"], name="adminunit_geom_3857_gist"),
            GistIndex(fields=["label_3857"], name="adminunit_label_3857_gist"),
        ]

    def __str__(self) -> str:
        return self.name


class AdminUnitSuccession(models.Model):
    """`predecessor` became (part of) `successor` on `effective`: merges, splits, renames."""

    class Kind(models.TextChoices):
        MERGE = "merge", "merge"
        SPLIT = "split", "split"
        RENAME = "rename", "rename"
        ABOLISH = "abolish", "abolish"

    predecessor = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="predecessions")
    effective = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MERGE)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="adminunitsuccession_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective})"
