"""Land-use planning: cadastral parcels, plan zones and the decisions that approve them."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .fields import Feature, geodesic_area, web_mercator


class PlanDecision(models.Model):
    """A planning decision (quyết định phê duyệt quy hoạch): number, date, authority, status, document."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_FORCE = "in_force", _("In force")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(max_length=60, unique=True, help_text="e.g. 1234/QĐ-UBND")
    signed_on = models.DateField()
    authority = models.CharField(max_length=200, help_text="e.g. UBND tỉnh Ninh Thuận")
    title = models.CharField(max_length=500)
    plan_level = models.CharField(max_length=20, help_text="scale of the plan: 1/2000, 1/500, …")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_FORCE)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)
    document = models.FileField(upload_to="plan_decisions/", blank=True)

    class Meta:
        ordering = ["-signed_on", "number"]

    def __str__(self) -> str:
        return self.number


class PlanZone(Feature):
    """A zone of a detailed plan: its planned land use and building controls."""

    decision = models.ForeignKey(PlanDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="zones")
    plan_level = models.CharField(max_length=20)
    zone_code = models.CharField(max_length=40)
    function = models.CharField(max_length=200, blank=True, default="")
    # No index of its own: a layer's partition is scanned for a code faster than an import builds two indexes.
    land_use_code = models.ForeignKey("layers.LandUseCode", null=True, blank=True, on_delete=models.PROTECT,
                                      db_column="land_use_code", related_name="+", db_index=False)
    max_density_pct = models.FloatField(null=True, blank=True)
    max_floors = models.PositiveSmallIntegerField(null=True, blank=True)
    max_height_m = models.FloatField(null=True, blank=True)
    far = models.FloatField(null=True, blank=True, help_text="floor area ratio (hệ số sử dụng đất)")
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        pass


class LandParcel(Feature):
    """A cadastral parcel (thửa đất), found by its map sheet (số tờ) and parcel number (số thửa)."""

    # Indexed through parcel_commune_sheet_no, which leads with it.
    commune = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    sheet_no = models.CharField(max_length=20, help_text="số tờ bản đồ")
    parcel_no = models.CharField(max_length=20, help_text="số thửa")
    legal_area_m2 = models.FloatField(null=True, blank=True, help_text="area on the land register")
    # No index of its own: a layer's partition is scanned for a code faster than an import builds two indexes.
    land_use_code = models.ForeignKey("layers.LandUseCode", null=True, blank=True, on_delete=models.PROTECT,
                                      db_column="land_use_code", related_name="+", db_index=False)
    address = models.CharField(max_length=300, blank=True, default="")
    # Private: never in any public output (tiles, features, exports, lookups).
    holder_name = models.CharField(max_length=200, blank=True, default="")
    holder_id = models.CharField(max_length=40, blank=True, default="")
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        indexes = [*Feature.Meta.indexes,
                   models.Index(fields=["commune", "sheet_no", "parcel_no"], name="parcel_commune_sheet_no")]
