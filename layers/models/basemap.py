"""The portal's own basemap: roads, buildings, water, land use and places from OSM, and admin units as tiles.

The OSM bodies are ordinary feature tables filled by the importer. Administrative units are not copied:
two read-only views show the units in force today (areas and one label point each) to every layer of the
`admin_area` / `admin_label` kinds, so the tile service serves them like any other layer.
"""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.db.models import Func

from .fields import Feature, geodesic_area, geodesic_length, web_mercator

__all__ = ["BasemapRoad", "BasemapBuilding", "BasemapWater", "BasemapLandUse", "BasemapPlace", "AdminArea",
           "AdminLabel"]


class BasemapRoad(Feature):
    """A road centreline with its OSM highway class (motorway … footway) and name."""

    name = models.CharField(max_length=255, blank=True, default="")
    highway = models.CharField(max_length=40, help_text="OSM highway=* class")
    ref = models.CharField(max_length=40, blank=True, default="", help_text="road number, e.g. QL1A")
    geom = models.LineStringField(srid=4326)
    geom_3857 = web_mercator(models.LineStringField)
    length_m = geodesic_length()

    class Meta(Feature.Meta):
        pass


class BasemapBuilding(Feature):
    name = models.CharField(max_length=255, blank=True, default="")
    building = models.CharField(max_length=40, blank=True, default="", help_text="OSM building=* value")
    levels = models.PositiveSmallIntegerField(null=True, blank=True)
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        pass


class BasemapWater(Feature):
    """Lakes, ponds, reservoirs, river areas."""

    name = models.CharField(max_length=255, blank=True, default="")
    water = models.CharField(max_length=40, blank=True, default="", help_text="lake, pond, river, reservoir, …")
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        pass


class BasemapLandUse(Feature):
    """Land cover and use as OSM maps it: residential, park, grass, forest, school grounds, …"""

    name = models.CharField(max_length=255, blank=True, default="")
    landuse = models.CharField(max_length=40, help_text="OSM landuse, leisure, natural or amenity value")
    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = web_mercator(models.MultiPolygonField)
    area_m2 = geodesic_area()

    class Meta(Feature.Meta):
        pass


class BasemapPlace(Feature):
    """A named point of interest: school, hospital, market, office, temple, …"""

    name = models.CharField(max_length=255, blank=True, default="")
    category = models.CharField(max_length=40, help_text="OSM amenity, shop, tourism, office or healthcare value")
    geom = models.PointField(srid=4326)
    geom_3857 = web_mercator(models.PointField)

    class Meta(Feature.Meta):
        pass


class PointOnSurface(Func):
    function = "ST_PointOnSurface"


def label_point():
    """Where a unit's name is drawn: a point inside it, kept by PostgreSQL in step with its outline."""
    return models.GeneratedField(expression=PointOnSurface(Transform("geom", 3857)),
                                 output_field=models.PointField(srid=3857), db_persist=True)


class _AdminView(models.Model):
    # Every layer of the kind shows every unit: the view crosses units with those layers.
    layer = models.ForeignKey("layers.Layer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    ext_id = models.CharField(max_length=40)
    level = models.CharField(max_length=10)
    name = models.CharField(max_length=255)
    name_ascii = models.CharField(max_length=255)
    population = models.BigIntegerField(null=True)
    updated_at = models.DateTimeField(null=True)  # units carry validity dates, not edit times

    class Meta:
        abstract = True
        managed = False


class AdminArea(_AdminView):
    """Provinces, districts and communes in force today, as polygons (view over AdminUnit, made by migration 0006)."""

    geom = models.MultiPolygonField(srid=4326)
    geom_3857 = models.MultiPolygonField(srid=3857)

    class Meta(_AdminView.Meta):
        db_table = "layers_basemap_admin_area"


class AdminLabel(_AdminView):
    """The same units as one point each, where their names go (view over AdminUnit)."""

    geom = models.PointField(srid=4326)
    geom_3857 = models.PointField(srid=3857)

    class Meta(_AdminView.Meta):
        db_table = "layers_basemap_admin_label"

