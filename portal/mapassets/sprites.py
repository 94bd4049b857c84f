"""A MapLibre sprite (one PNG sheet and its JSON index) rasterized from SVG icons, at 1x and 2x."""

import io
import json
import math
import re
from pathlib import Path

import resvg_py
from PIL import Image

__all__ = ["build_sprite"]

_PAD = 1  # keeps neighbouring icons from bleeding into each other when MapLibre samples the sheet
_MARGIN = 1  # px of the icon's own units added around it, so the halo is not clipped by the viewBox
_BOX = re.compile(r'width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"')


def _with_margin(text: str) -> str:
    def grow(match: re.Match) -> str:
        w, h = int(match[3]) + 2 * _MARGIN, int(match[4]) + 2 * _MARGIN
        return f'width="{w}" height="{h}" viewBox="-{_MARGIN} -{_MARGIN} {w} {h}"'

    return _BOX.sub(grow, text, count=1)


def _rasterize(svg: Path, colour: str, halo: str, scale: int) -> Image.Image:
    # The halo is the same shape stroked beneath it, so icons read on roads, water and buildings alike.
    text = _with_margin(svg.read_text())
    stroke = 2
    sheet = (f"path, circle, rect, polygon, ellipse {{ fill: {colour}; stroke: {halo}; stroke-width: {stroke}px;"
             " paint-order: stroke; stroke-linejoin: round }")
    png = resvg_py.svg_to_bytes(svg_string=text, zoom=scale, style_sheet=sheet, skip_system_fonts=True)
    return Image.open(io.BytesIO(bytes(png))).convert("RGBA")


def build_sprite(icons: list[Path], out: Path, *, colour: str, halo: str) -> dict[str, int]:
    """Write out.png/out.json and out@2x.png/out@2x.json; return how many icons each holds."""
    counts = {}
    for scale, suffix in ((1, ""), (2, "@2x")):
        images = {svg.stem: _rasterize(svg, colour, halo, scale) for svg in sorted(icons)}
        cell_w = max(img.width for img in images.values()) + 2 * _PAD
        cell_h = max(img.height for img in images.values()) + 2 * _PAD
        columns = math.ceil(math.sqrt(len(images)))
        rows = math.ceil(len(images) / columns)
        sheet = Image.new("RGBA", (columns * cell_w, rows * cell_h), (0, 0, 0, 0))
        index = {}
        for n, (name, img) in enumerate(images.items()):
            x, y = (n % columns) * cell_w + _PAD, (n // columns) * cell_h + _PAD
            sheet.paste(img, (x, y))
            index[name] = {"x": x, "y": y, "width": img.width, "height": img.height, "pixelRatio": scale}
        target = out.with_name(out.name + suffix)
        sheet.save(target.with_suffix(".png"), optimize=True)
        target.with_suffix(".json").write_text(json.dumps(index, separators=(",", ":"), sort_keys=True))
        counts[suffix or "@1x"] = len(index)
    return counts
