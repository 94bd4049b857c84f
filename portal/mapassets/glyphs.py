"""MapLibre glyph ranges (signed distance fields in protobuf) rendered from a font file, with no network.

The format MapLibre reads: one file per 256 code points, holding a `glyphs` message with one `fontstack`
(name, range) and its glyphs (id, bitmap, width, height, left, top, advance). Glyphs are drawn at 24 px
with a 3 px buffer; each bitmap byte is 255 - clamp(32·d + 64), d being the signed distance in pixels
from the pixel centre to the outline (negative inside), so the outline sits at 191 as MapLibre expects.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import freetype
import numpy as np

__all__ = ["SIZE", "BUFFER", "Glyph", "render_font", "glyph_range_pbf", "encode_glyphs", "RANGES_DRAWN"]

SIZE = 24
BUFFER = 3
_RADIUS = 8  # distances beyond this many pixels all read as "far"
_CUTOFF = 0.25
_CURVE_STEPS = 6

# Latin (Basic, Latin-1, Extended-A/B, IPA), combining marks, Greek, Cyrillic, Latin Extended Additional
# (most Vietnamese letters: ạ ả ấ … ỹ), general punctuation, currency (₫), letterlike symbols and arrows.
RANGES_DRAWN = (0, 256, 512, 768, 1024, 7680, 8192, 8448)


@dataclass(frozen=True)
class Glyph:
    id: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int


def _quadratic(p0, p1, p2, steps: int) -> list[tuple[float, float]]:
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    return [tuple(p) for p in pts]


def _cubic(p0, p1, p2, p3, steps: int) -> list[tuple[float, float]]:
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
    pts = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
    return [tuple(p) for p in pts]


def _rings(outline: freetype.Outline) -> list[np.ndarray]:
    """The outline as closed polylines in pixels (curves flattened)."""
    rings: list[list[tuple[float, float]]] = []

    def vec(v) -> np.ndarray:
        return np.array([v.x / 64.0, v.y / 64.0])

    def move_to(to, _ctx):
        rings.append([tuple(vec(to))])
        return 0

    def line_to(to, _ctx):
        rings[-1].append(tuple(vec(to)))
        return 0

    def conic_to(control, to, _ctx):
        rings[-1].extend(_quadratic(np.array(rings[-1][-1]), vec(control), vec(to), _CURVE_STEPS))
        return 0

    def cubic_to(c1, c2, to, _ctx):
        rings[-1].extend(_cubic(np.array(rings[-1][-1]), vec(c1), vec(c2), vec(to), _CURVE_STEPS))
        return 0

    outline.decompose(None, move_to=move_to, line_to=line_to, conic_to=conic_to, cubic_to=cubic_to)
    closed = []
    for ring in rings:
        if len(ring) < 3:
            continue
        points = np.array(ring, dtype=np.float64)
        if not np.array_equal(points[0], points[-1]):
            points = np.vstack([points, points[:1]])
        closed.append(points)
    return closed


def _signed_distance(rings: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """Distance from each pixel centre to the nearest segment, negative inside (non-zero winding)."""
    a = np.vstack([ring[:-1] for ring in rings])
    b = np.vstack([ring[1:] for ring in rings])
    ys, xs = np.mgrid[0:height, 0:width]
    p = np.column_stack([xs.ravel() + 0.5, ys.ravel() + 0.5])
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    ap_x = p[:, None, 0] - a[None, :, 0]
    ap_y = p[:, None, 1] - a[None, :, 1]
    t = np.clip((ap_x * ab[None, :, 0] + ap_y * ab[None, :, 1]) / length2[None, :], 0.0, 1.0)
    dx = ap_x - t * ab[None, :, 0]
    dy = ap_y - t * ab[None, :, 1]
    distance = np.sqrt((dx**2 + dy**2).min(axis=1))
    # Winding number of a ray to +x: +1 where an edge crosses upwards left of the point, -1 downwards.
    py = p[:, None, 1]
    up = (a[None, :, 1] <= py) & (b[None, :, 1] > py)
    down = (a[None, :, 1] > py) & (b[None, :, 1] <= py)
    cross = ab[None, :, 0] * (py - a[None, :, 1]) - (p[:, None, 0] - a[None, :, 0]) * ab[None, :, 1]
    winding = (up & (cross > 0)).sum(axis=1) - (down & (cross < 0)).sum(axis=1)
    distance[winding != 0] *= -1
    return distance.reshape(height, width)


def _render(face: freetype.Face, codepoint: int) -> Glyph | None:
    index = face.get_char_index(codepoint)
    if index == 0:
        return None
    face.load_glyph(index, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP)
    advance = round(face.glyph.metrics.horiAdvance / 64)
    rings = _rings(face.glyph.outline)
    if not rings:
        return Glyph(codepoint, b"", 0, 0, 0, 0, advance)  # a space: it only moves the pen
    points = np.vstack(rings)
    xmin, ymin = np.round(points.min(axis=0))
    xmax, ymax = np.round(points.max(axis=0))
    width, height = int(xmax - xmin), int(ymax - ymin)
    if width == 0 or height == 0:
        return Glyph(codepoint, b"", 0, 0, 0, 0, advance)
    shifted = [ring - np.array([xmin - BUFFER, ymin - BUFFER]) for ring in rings]
    field = _signed_distance(shifted, width + 2 * BUFFER, height + 2 * BUFFER)
    scaled = np.clip(field * (256 / _RADIUS) + _CUTOFF * 256, 0, 255).astype(np.uint8)
    bitmap = (255 - scaled)[::-1]  # rows top first
    return Glyph(codepoint, bitmap.tobytes(), width, height, int(xmin), int(ymax), advance)


def render_font(path: Path, ranges: Iterable[int] = RANGES_DRAWN) -> dict[int, list[Glyph]]:
    """Glyphs of the font's code points in each 256-point range starting at `ranges`, by range start."""
    face = freetype.Face(str(path))
    face.set_char_size(SIZE * 64)
    mapped = {code for code, _ in face.get_chars()}
    out: dict[int, list[Glyph]] = {}
    for start in ranges:
        glyphs = [_render(face, code) for code in range(start, start + 256) if code in mapped]
        out[start] = [glyph for glyph in glyphs if glyph is not None]
    return out


# --- protobuf, by hand: three small messages need no protobuf runtime -------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 31)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _glyph_message(glyph: Glyph) -> bytes:
    body = _field_varint(1, glyph.id)
    if glyph.bitmap:
        body += _field_bytes(2, glyph.bitmap)
    body += (_field_varint(3, glyph.width) + _field_varint(4, glyph.height) + _field_varint(5, _zigzag(glyph.left))
             + _field_varint(6, _zigzag(glyph.top)) + _field_varint(7, glyph.advance))
    return body


def encode_glyphs(fontstack: str, start: int, glyphs: list[Glyph]) -> bytes:
    stack = _field_bytes(1, fontstack.encode()) + _field_bytes(2, f"{start}-{start + 255}".encode())
    stack += b"".join(_field_bytes(3, _glyph_message(glyph)) for glyph in glyphs)
    return _field_bytes(1, stack)


def glyph_range_pbf(fontstack: str, start: int, glyphs: list[Glyph] | None = None) -> bytes:
    """One range file; a range the font lacks is still served, empty, so no label ever waits on a 404."""
    return encode_glyphs(fontstack, start, glyphs or [])
