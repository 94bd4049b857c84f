"""Who handles what where: category × area → agency, with priorities."""

from django.contrib.gis.db import models
from django.db.models import Q

from .categories import Category


class RoutingRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class RoutingRule(models.Model):
    """Reports of `category` (any, when empty) inside `admin_unit` or `area` (anywhere, when both are empty)
    go to `agency`. The highest priority wins; among equals, a rule of the category before one for any, then the
    most specific area: drawn, commune, district, province, anywhere."""

    name = models.CharField(max_length=200, blank=True, default="")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="rules")
    admin_unit = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    area = models.MultiPolygonField(srid=4326, null=True, blank=True, help_text="an area of its own, as GeoJSON")
    agency = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="routing_rules")
    priority = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(admin_unit__isnull=True) | Q(area__isnull=True),
                                   name="routingrule_one_area"),
        ]

    def __str__(self) -> str:
        return self.name or f"rule {self.pk}"
