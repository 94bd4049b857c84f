"""The app's icons, drawn with Pillow when first asked for (no binary in the repo, no build step): a map pin on
the portal's sea blue. Maskable icons keep the pin inside the safe zone (the inner 80%) and fill the rest."""

import io
from functools import lru_cache

from PIL import Image, ImageDraw

__all__ = ["SIZES", "icon_png"]

SIZES = (32, 180, 192, 512)
_SEA = (11, 79, 108, 255)
_PIN = (247, 127, 0, 255)
_WHITE = (255, 255, 255, 255)
_SUPERSAMPLE = 4


@lru_cache(maxsize=16)
def icon_png(size: int, *, maskable: bool = False) -> bytes:
    if size not in SIZES:
        raise ValueError(f"icon sizes are {SIZES}")
    side = size * _SUPERSAMPLE
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, side, side), fill=_SEA)
        scale = 0.62  # the pin within the safe circle of a maskable icon
    else:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=_SEA)
        scale = 0.78
    # A pin: a disc with a point below it, and a white hole.
    height = side * scale
    radius = height * 0.34
    cx, top = side / 2, (side - height) / 2
    cy = top + radius
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_PIN)
    draw.polygon([(cx - radius * 0.87, cy + radius * 0.5), (cx + radius * 0.87, cy + radius * 0.5),
                  (cx, top + height)], fill=_PIN)
    hole = radius * 0.42
    draw.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=_WHITE)
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()
