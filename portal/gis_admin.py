"""The admin's geometry fields without Django's stock map widget, which loads OpenLayers and OSM tiles from the
internet: inside the government network, and under the portal's CSP, it draws an empty box and hides the field.
Here a geometry is edited as GeoJSON in WGS 84, which QGIS and geojson.io users copy in and out."""

from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.forms.widgets import BaseGeometryWidget

__all__ = ["GeoJSONTextarea", "OfflineGISAdmin"]


class GeoJSONTextarea(BaseGeometryWidget):
    template_name = "portal/widgets/geojson_textarea.html"
    map_srid = 4326  # what the text is written in; the form field transforms it to the model's SRID

    def serialize(self, value):
        return value.json if value else ""


class OfflineGISAdmin(GISModelAdmin):
    gis_widget = GeoJSONTextarea
