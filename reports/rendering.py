"""The report's files from its figures: HTML with an interactive map (folium's Leaflet map, every asset served by
the portal, its code a file of the run), PDF with a static map drawn on the server (WeasyPrint, no network), CSV;
and the newsletter's e-mail and PDF."""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from geoprocessing.pdf import FONT_DIRS, LocalOnlyFetcher, render_pdf

from . import charts, maps, webmap
from .records import Figures
from .tables import figures_csv

__all__ = ["Pictures", "ReportPage", "MAP_SCRIPT", "draw_pictures", "report_html", "report_pdf", "report_csv",
           "svg_data_uri", "png_data_uri"]

STATIC = settings.STATIC_URL.rstrip("/")
# The map's code, stored beside the page as the run's "map.js" file and named relative to the page's URL, which
# is the run's own (/reports/<id>/, /reports/<id>/html, /api/reports/<id>/files/html): each serves it beside.
MAP_SCRIPT = "map.js"


class Pictures:
    """The report's pictures (each as SVG and PNG), drawn once for every output."""

    def __init__(self, *, trend: charts.Picture, on_time: charts.Picture, categories: charts.Picture,
                 map: charts.Picture):
        self.trend, self.on_time, self.categories, self.map = trend, on_time, categories, map


def draw_pictures(figures: Figures, units: list[dict]) -> Pictures:
    return Pictures(
        trend=charts.trend_chart(figures.trend, title="Xu hướng theo kỳ / trend by period"),
        on_time=charts.on_time_chart(figures.trend, title="Tỷ lệ đúng hạn, thời gian xử lý / on time, handling"),
        categories=charts.bars_chart(figures.by_category, title="Theo lĩnh vực / by category"),
        map=maps.hotspot_map(units, figures.by_commune, figures.hotspots,
                                 title=f"Phản ánh theo xã và điểm nóng – {figures.area.name}"))


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class ReportPage:
    """The report's web page and its map's script (the CSP runs no inline script: the page loads it)."""

    html: str
    script: str


def _context(figures: Figures, pictures: Pictures, *, title: str, generated: str) -> dict:
    return {"f": figures, "t": figures.totals, "title": title, "generated": generated,
            "on_time_pct": None if figures.totals.on_time_rate is None else round(100 * figures.totals.on_time_rate, 1),
            "pictures": pictures, "tables": [
                {"name": "by_channel", "title": "Theo kênh tiếp nhận / by channel", "head": "Kênh / channel",
                 "rows": figures.by_channel},
                {"name": "by_category", "title": "Theo lĩnh vực / by category", "head": "Lĩnh vực / category",
                 "rows": figures.by_category},
                {"name": "by_agency", "title": "Theo cơ quan xử lý / by agency", "head": "Cơ quan / agency",
                 "rows": figures.by_agency},
                {"name": "by_commune", "title": "Theo xã, phường / by commune", "head": "Xã / commune",
                 "rows": figures.by_commune}]}


def report_html(figures: Figures, pictures: Pictures, units: list[dict], *, title: str,
                generated: str) -> ReportPage:
    live = webmap.report_map(figures, units, static=STATIC)
    context = _context(figures, pictures, title=title, generated=generated)
    context.update(static=STATIC, map=live, map_script=MAP_SCRIPT)
    return ReportPage(html=render_to_string("reports/report.html", context), script=live.script)


def report_pdf(figures: Figures, pictures: Pictures, *, title: str, generated: str) -> bytes:
    context = _context(figures, pictures, title=title, generated=generated)
    context.update(pdf=True, map_uri=png_data_uri(pictures.map.png), trend_uri=png_data_uri(pictures.trend.png),
                   on_time_uri=png_data_uri(pictures.on_time.png),
                   categories_uri=png_data_uri(pictures.categories.png))
    fetcher = LocalOnlyFetcher(FONT_DIRS)
    pdf = render_pdf(render_to_string("reports/report_pdf.html", context), fetcher=fetcher)
    if fetcher.refused:
        raise RuntimeError(f"the report asked for resources outside the portal: {fetcher.refused[:3]}")
    return pdf


def report_csv(figures: Figures) -> bytes:
    return figures_csv(figures).encode("utf-8")
