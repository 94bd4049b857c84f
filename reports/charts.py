"""Charts of a report as SVG, drawn on the server with matplotlib (Agg, no display) and the same bytes every run:
no date in the metadata and a fixed hash salt for the element ids."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .records import Breakdown  # noqa: E402

__all__ = ["STYLE", "Picture", "figure_picture", "trend_chart", "on_time_chart", "bars_chart"]

COLOURS = {"received": "#1f6fb2", "resolved": "#2a9d4b", "overdue": "#c1121f", "rate": "#6a4c93"}
STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "gisportal-report",
          "svg.fonttype": "path", "axes.spines.top": False, "axes.spines.right": False}


@dataclass(frozen=True)
class Picture:
    """One chart or map twice: SVG for the web page, PNG for the PDF and the e-mail. WeasyPrint draws SVG
    itself, slowly for matplotlib's many paths (7 s a report), and mail readers often show no SVG at all."""

    svg: str
    png: bytes


def figure_picture(fig: Figure, *, dpi: int = 160) -> Picture:
    svg = io.StringIO()
    fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None},
                facecolor="white")
    plt.close(fig)
    return Picture(svg.getvalue(), png.getvalue())


def _week_label(point: dict) -> str:
    first = point["first"]
    return f"{first[8:10]}/{first[5:7]}"


def trend_chart(trend: Sequence[dict], *, title: str) -> Picture:
    """Received, resolved and overdue per period: grouped bars, this period last."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 2.6))
        xs = range(len(trend))
        width = 0.27
        for offset, key, label in ((-width, "received", "Tiếp nhận / received"),
                                   (0, "resolved", "Đã xử lý / resolved"), (width, "overdue", "Quá hạn / overdue")):
            ax.bar([x + offset for x in xs], [p[key] for p in trend], width, label=label, color=COLOURS[key])
        ax.set_xticks(list(xs), [_week_label(p) for p in trend])
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, ncols=3, loc="upper left", bbox_to_anchor=(0, -0.12))
        return figure_picture(fig)


def on_time_chart(trend: Sequence[dict], *, title: str) -> Picture:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 2.2))
        xs = list(range(len(trend)))
        rates = [None if p["on_time_rate"] is None else 100 * p["on_time_rate"] for p in trend]
        ax.plot([x for x, r in zip(xs, rates, strict=True) if r is not None], [r for r in rates if r is not None],
                marker="o", color=COLOURS["rate"], label="Đúng hạn / on time (%)")
        hours = [p["median_hours"] for p in trend]
        twin = ax.twinx()
        twin.plot([x for x, h in zip(xs, hours, strict=True) if h is not None], [h for h in hours if h is not None],
                  marker="s", linestyle="--", color="#888888", label="Trung vị giờ xử lý / median hours")
        ax.set_ylim(0, 105)
        twin.set_ylim(bottom=0)
        ax.set_xticks(xs, [_week_label(p) for p in trend])
        ax.set_title(title, loc="left", fontsize=10)
        lines = ax.get_lines() + twin.get_lines()
        ax.legend(lines, [line.get_label() for line in lines], frameon=False, ncols=2, loc="upper left",
                  bbox_to_anchor=(0, -0.12))
        return figure_picture(fig)


def bars_chart(rows: Sequence[Breakdown], *, title: str, limit: int = 10) -> Picture:
    """Horizontal bars of received and resolved, largest first."""
    rows = list(rows)[:limit]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.35 * max(len(rows), 1) + 0.9))
        ys = list(range(len(rows)))[::-1]
        ax.barh([y + 0.2 for y in ys], [r.received for r in rows], 0.4, color=COLOURS["received"],
                label="Tiếp nhận / received")
        ax.barh([y - 0.2 for y in ys], [r.resolved for r in rows], 0.4, color=COLOURS["resolved"],
                label="Đã xử lý / resolved")
        ax.set_yticks(ys, [r.label[:40] for r in rows])
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, ncols=2, loc="upper left", bbox_to_anchor=(0, -0.06 - 0.3 / max(len(rows), 1)))
        return figure_picture(fig)
