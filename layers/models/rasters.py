"""GeoTIFFs registered with the portal (population, elevation), read with rasterio where they lie."""

from django.contrib.gis.db import models


class RasterLayer(models.Model):
    layer = models.OneToOneField("layers.Layer", on_delete=models.CASCADE, related_name="raster")
    path = models.CharField(max_length=500, help_text="GeoTIFF path on the server")
    band = models.PositiveSmallIntegerField(default=1)
    unit = models.CharField(max_length=40, blank=True, default="")
    nodata = models.FloatField(null=True, blank=True)
    crs = models.CharField(max_length=100)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bounds = models.PolygonField(srid=4326)
    stats = models.JSONField(default=dict, help_text="min, max, mean of the band")

    def __str__(self) -> str:
        return self.path
