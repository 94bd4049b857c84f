"""The report page's interactive map, written with folium: communes shaded by reports received (with a legend),
the hotspot cells and the area's outline, each commune with its figures in a popup.

No tiles: the outlines are the context, so the map asks nothing of another host. Leaflet comes from npm and is
served by the portal (static/vendor/leaflet). folium would write the map's code into an inline <script>, which
the portal's Content-Security-Policy refuses; here it becomes a file of the run, loaded with <script src>.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from .records import Breakdown, Figures, Hotspot

__all__ = ["WebMap", "report_map", "received_classes", "PALETTE", "NONE_COLOUR"]

# ColorBrewer YlOrRd, the static map's colour map, in five steps; communes with no report stay grey.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NONE_COLOUR = "#f4f4f4"
HOTSPOT_COLOUR = "#6a00a8"
OUTLINE_COLOUR = "#333333"


@dataclass(frozen=True)
class WebMap:
    """The map in three parts: `head` (Leaflet's CSS and JS links), `body` (its container), `script` (its code,
    stored as the run's map.js)."""

    head: str
    body: str
    script: str


class _PageMap(folium.Map):
    """folium's Map without what it puts in a page's head for a stand-alone file (an inline script of global
    switches, styles stretching <html> and <body> to the map): the report page lays itself out (report.css)."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="folium-map report-map" id={{ this.get_name()|tojson }} role="region"
             aria-label="Bản đồ phản ánh theo xã và điểm nóng / reports by commune and hotspots"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
            center: {{ this.location|tojson }},
            crs: L.CRS.{{ this.crs }},
            ...{{ this.options|tojavascript }}
        });
        L.control.scale({imperial: false}).addTo({{ this.get_name() }});
        {{ this.get_name() }}.attributionControl.setPrefix("Leaflet");
        {% endmacro %}
    """)

    def __init__(self, *, static: str, **kwargs):
        super().__init__(tiles=None, **kwargs)
        # Only Leaflet: folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) serve
        # markers and controls this map does not use, and would come from CDNs.
        self.default_js = [("leaflet", f"{static}/vendor/leaflet/leaflet.js")]
        self.default_css = [("leaflet_css", f"{static}/vendor/leaflet/leaflet.css")]


class _Legend(MacroElement):
    """A Leaflet control listing the shading classes, the area's outline and the hotspot cells; built with DOM
    calls and textContent, never HTML strings."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "report-legend");
                L.DomUtil.create("b", "", box).textContent = {{ this.title|tojson }};
                {{ this.rows|tojson }}.forEach(function (row) {
                    var line = L.DomUtil.create("div", "", box);
                    var swatch = L.DomUtil.create("i", "report-legend-swatch", line);
                    swatch.style.background = row.fill;
                    swatch.style.borderColor = row.stroke;
                    line.appendChild(document.createTextNode(row.label));
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, *, title: str, rows: list[dict]):
        super().__init__()
        self._name = "Legend"
        self.title, self.rows = title, rows


def received_classes(top: int, *, steps: int = len(PALETTE)) -> list[tuple[int, int, str]]:
    """(lowest, highest, colour) of each shading class for counts 1..top, in equal steps of whole reports."""
    if top < 1:
        return []
    uppers = sorted({math.ceil(top * (i + 1) / min(steps, top)) for i in range(min(steps, top))})
    classes, low = [], 1
    for i, high in enumerate(uppers):
        colour = PALETTE[round(i * (len(PALETTE) - 1) / max(len(uppers) - 1, 1))] if len(uppers) > 1 else PALETTE[-1]
        classes.append((low, high, colour))
        low = high + 1
    return classes


def _colour(count: int, classes: list[tuple[int, int, str]]) -> str:
    return next((colour for low, high, colour in classes if low <= count <= high), NONE_COLOUR)


def _geometry(geometry) -> dict:
    return json.loads(shapely.to_geojson(shapely.set_precision(geometry, 1e-5)))


def _communes(units: Sequence[dict], by_commune: Sequence[Breakdown]) -> dict:
    rows = {row.key: row for row in by_commune}
    features = []
    for unit in units:
        if unit["level"] != "commune":
            continue
        row = rows.get(str(unit["id"]))
        # Popups and tooltips are set as HTML by folium: the name goes in escaped.
        features.append({"type": "Feature", "id": f"commune-{unit['id']}", "geometry": _geometry(unit["geometry"]),
                         "properties": {"name": html.escape(unit["name"]), "received": row.received if row else 0,
                                        "resolved": row.resolved if row else 0,
                                        "overdue": row.overdue if row else 0}})
    return {"type": "FeatureCollection", "features": features}


def _hotspots(spots: Sequence[Hotspot]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"hotspot-{rank}",
         "geometry": {"type": "Polygon", "coordinates": [[list(point) for point in spot.ring]]},
         "properties": {"rank": rank, "count": spot.count, "z": round(spot.z, 2), "confidence": spot.confidence}}
        for rank, spot in enumerate(spots, 1)]}


def _number(element: Element, start: int = 1) -> int:
    """Name every element by its place in the tree instead of folium's random ids, so the same figures give the
    same file (a run made again keeps its checksum)."""
    element._id = str(start)
    for child in element._children.values():
        start = _number(child, start + 1)
    return start


def report_map(figures: Figures, units: Sequence[dict], *, static: str) -> WebMap:
    """The map of the report's area; `units` as reports.figures.area_units returns them (the area, then its
    communes); `static` is the portal's static URL prefix."""
    communes = _communes(units, figures.by_commune)
    outline = [u for u in units if u["level"] != "commune"]
    shapes = [u["geometry"] for u in (outline or units)]
    west, south, east, north = shapely.total_bounds(shapes) if shapes else (102.1, 8.4, 109.5, 23.4)
    # SVG rather than canvas: a few hundred communes at most, each an element of its own that takes the clicks.
    page = _PageMap(static=static, location=[(south + north) / 2, (west + east) / 2], zoom_start=9,
                    prefer_canvas=False)
    classes = received_classes(max((f["properties"]["received"] for f in communes["features"]), default=0))

    folium.GeoJson(communes, name="communes", style_function=lambda feature: {
        "fillColor": _colour(feature["properties"]["received"], classes), "fillOpacity": 0.75,
        "color": "#888888", "weight": 0.6},
        highlight_function=lambda feature: {"weight": 2, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "received"], aliases=["Xã / commune", "Tiếp nhận / received"],
                                      sticky=True),
        popup=folium.GeoJsonPopup(fields=["name", "received", "resolved", "overdue"],
                                  aliases=["Xã / commune", "Tiếp nhận / received", "Đã xử lý / resolved",
                                           "Quá hạn / overdue"])).add_to(page)
    if outline:
        folium.GeoJson({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": f"area-{u['id']}", "geometry": _geometry(u["geometry"]), "properties": {}}
            for u in outline]}, name="area", interactive=False,
            style_function=lambda feature: {"fill": False, "color": OUTLINE_COLOUR, "weight": 2}).add_to(page)
    if figures.hotspots:
        folium.GeoJson(_hotspots(figures.hotspots), name="hotspots", style_function=lambda feature: {
            "fill": False, "color": HOTSPOT_COLOUR, "weight": 2.5},
            tooltip=folium.GeoJsonTooltip(fields=["rank", "count", "confidence"], aliases=[
                "Điểm nóng / hotspot", "Phản ánh / reports", "Tin cậy / confidence %"])).add_to(page)
    rows = [{"fill": colour, "stroke": "#888888", "label": f" {low}" if low == high else f" {low}–{high}"}
            for low, high, colour in classes]
    rows.insert(0, {"fill": NONE_COLOUR, "stroke": "#888888", "label": " 0"})
    rows.append({"fill": "transparent", "stroke": OUTLINE_COLOUR, "label": f" {figures.area.name}"})
    if figures.hotspots:
        rows.append({"fill": "transparent", "stroke": HOTSPOT_COLOUR, "label": " Điểm nóng / hotspot (Gi*)"})
    page.add_child(_Legend(title="Phản ánh tiếp nhận / reports received", rows=rows))
    page.fit_bounds([[south, west], [north, east]], padding=(12, 12))
    return _render(page)


def _render(page: folium.Map) -> WebMap:
    figure = page.get_root()
    figure.header._children.pop("meta_http", None)  # the page has its own <meta charset>
    _number(figure)
    for child in figure._children.values():
        child.render()
    return WebMap(head=figure.header.render(), body=figure.html.render(), script=figure.script.render())
