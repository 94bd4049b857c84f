"""The report's figures as CSV, one figure a row (table, key, label, metric, value): spreadsheets pivot it, and
every number in the HTML and the PDF is one of these rows."""

from __future__ import annotations

import csv
import io

from .records import Figures

__all__ = ["figures_rows", "figures_csv", "CSV_HEADER"]

CSV_HEADER = ("table", "key", "label", "metric", "value")


def figures_rows(figures: Figures) -> list[tuple]:
    t = figures.totals
    rows: list[tuple] = [("totals", "", figures.area.name, metric, value) for metric, value in (
        ("received", t.received), ("resolved", t.resolved), ("overdue", t.overdue), ("open_at_end", t.open_at_end),
        ("on_time", t.on_time), ("resolved_with_deadline", t.resolved_with_deadline),
        ("on_time_rate", t.on_time_rate), ("median_hours", t.median_hours))]
    for table in ("by_channel", "by_category", "by_agency", "by_commune"):
        for row in getattr(figures, table):
            rows += [(table, row.key, row.label, metric, getattr(row, metric))
                     for metric in ("received", "resolved", "overdue")]
    rows += [("camera", f"{r.camera}|{r.violation}", f"{r.camera} · {r.violation}", "count", r.count)
             for r in figures.camera]
    for rank, spot in enumerate(figures.hotspots, 1):
        key = f"{spot.lon:.6f},{spot.lat:.6f}"
        rows += [("hotspots", key, f"#{rank}", "count", spot.count), ("hotspots", key, f"#{rank}", "z", spot.z)]
    for point in figures.trend:
        key = f"{point['first']}/{point['last']}"
        rows += [("trend", key, key, metric, point[metric])
                 for metric in ("received", "resolved", "overdue", "on_time_rate", "median_hours")]
    return rows


def figures_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in figures_rows(figures):
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + out.getvalue()
