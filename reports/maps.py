"""The report's static map, drawn on the server: communes shaded by reports received, hotspot cells outlined.

No tiles and no network: the outlines come from the database, so the PDF carries the whole picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import shapely  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from .charts import STYLE, Picture, figure_picture  # noqa: E402
from .records import Breakdown, Hotspot  # noqa: E402

__all__ = ["hotspot_map"]


def _path(geometry) -> MplPath:
    vertices, codes = [], []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def hotspot_map(units: Sequence[dict], by_commune: Sequence[Breakdown], spots: Sequence[Hotspot], *,
                title: str) -> Picture:
    """The map as SVG and PNG; `units` as reports.figures.area_units returns them (the area, then its communes)."""
    received = {row.key: row.received for row in by_commune}
    communes = [u for u in units if u["level"] == "commune"]
    outline = [u for u in units if u["level"] != "commune"] or communes
    top = max(received.values(), default=0)
    norm = Normalize(vmin=0, vmax=max(top, 1))
    cmap = plt.get_cmap("YlOrRd")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 6.0))
        for unit in communes:
            count = received.get(str(unit["id"]), 0)
            ax.add_patch(PathPatch(_path(unit["geometry"]), facecolor=cmap(norm(count)) if count else "#f4f4f4",
                                   edgecolor="#888888", linewidth=0.4))
        for unit in outline:
            ax.add_patch(PathPatch(_path(unit["geometry"]), facecolor="none", edgecolor="#333333", linewidth=1.2))
        for spot in spots:
            xs, ys = zip(*spot.ring, strict=True)
            ax.fill(xs, ys, facecolor="none", edgecolor="#6a00a8", linewidth=1.6)
        if spots:
            ax.plot([s.lon for s in spots], [s.lat for s in spots], "o", color="#6a00a8", markersize=3,
                    label="Điểm nóng / hotspot (Gi*)")
            ax.legend(frameon=False, loc="lower left")
        bounds = shapely.union_all([u["geometry"] for u in outline]).bounds if outline else (0, 0, 1, 1)
        pad_x, pad_y = (bounds[2] - bounds[0]) * 0.03, (bounds[3] - bounds[1]) * 0.03
        ax.set_xlim(bounds[0] - pad_x, bounds[2] + pad_x)
        ax.set_ylim(bounds[1] - pad_y, bounds[3] + pad_y)
        ax.set_aspect(1 / max(0.2, math.cos(math.radians((bounds[1] + bounds[3]) / 2))))
        ax.set_axis_off()
        ax.set_title(title, loc="left", fontsize=10)
        mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(mappable, ax=ax, shrink=0.6, label="Phản ánh tiếp nhận / reports received")
        return figure_picture(fig)
