"""Build the map's glyphs and sprites into built/map/ when missing or when their inputs changed, and put
the MapLibre and Leaflet files the pages load into built/vendor/<package>/.

Inputs are Debian's Noto Sans (fonts-noto-core), @mapbox/maki's SVG icons, MapLibre's and Leaflet's dist
(npm) and this package's own code; their digest is kept beside the outputs, so a second run with nothing changed
only hashes files.
"""

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["FONTS", "SPRITES", "OUT", "build", "is_current"]

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "built" / "map"
FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONTS = {"NotoSans-Regular": FONT_DIR / "NotoSans-Regular.ttf", "NotoSans-Bold": FONT_DIR / "NotoSans-Bold.ttf"}
ICONS = ROOT / "node_modules" / "@mapbox" / "maki" / "icons"
# Only what pages load: npm's dist also holds dev builds and source maps (38 MB) that collectstatic would
# hash and compress for nothing. Leaflet (the reports' folium maps) brings the pictures its CSS points at.
VENDORED = {
    "maplibre-gl": (ROOT / "node_modules" / "maplibre-gl", ("dist/maplibre-gl.js", "dist/maplibre-gl.css",
                                                           "dist/LICENSE.txt")),
    "leaflet": (ROOT / "node_modules" / "leaflet", ("dist/leaflet.js", "dist/leaflet.css", "LICENSE",
                                                   "dist/images/layers.png", "dist/images/layers-2x.png",
                                                   "dist/images/marker-icon.png")),
}
VENDOR_ROOT = ROOT / "built" / "vendor"
# One sheet per basemap style: dark grey icons on a white halo, and the reverse for the dispatch room.
SPRITES = {"light": {"colour": "#4f5b66", "halo": "#ffffff"}, "dark": {"colour": "#d5dde5", "halo": "#1b232b"}}
_STAMP = OUT / ".inputs"


def _inputs() -> list[Path]:
    missing = [str(path) for path in FONTS.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"fonts missing: {', '.join(missing)} (apt-get install -y fonts-noto-core)")
    if not ICONS.is_dir():
        raise FileNotFoundError(f"{ICONS} is missing (npm ci installs @mapbox/maki)")
    vendor = []
    for package, (source, names) in VENDORED.items():
        if not all((source / name).exists() for name in names):
            raise FileNotFoundError(f"{source} is incomplete (npm ci installs {package})")
        vendor += [source / name for name in names]
    return [*FONTS.values(), *sorted(ICONS.glob("*.svg")), *vendor, *sorted(Path(__file__).parent.glob("*.py"))]


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def is_current() -> bool:
    """Standard library only, so bootstrap can ask without starting the venv's Python."""
    return (_STAMP.exists() and _STAMP.read_text() == _digest(_inputs())
            and all((VENDOR_ROOT / package / _served(name)).exists()
                    for package, (_, names) in VENDORED.items() for name in names))


def _served(name: str) -> str:
    """Where a package's file is served from, under vendor/<package>/: dist/ is left out of the URL."""
    return name.removeprefix("dist/")


def _copy_vendored() -> None:
    for package, (source, names) in VENDORED.items():
        for name in names:
            data = (source / name).read_bytes()
            if name.endswith(".js"):
                # Its source map is not shipped: a dangling reference would fail the manifest storage.
                data = b"\n".join(line for line in data.split(b"\n")
                                  if not line.startswith(b"//# sourceMappingURL="))
            target = VENDOR_ROOT / package / _served(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _write_font(name: str, path: Path, out: Path) -> int:
    """Every 256-point range of the BMP: the drawn ones with their glyphs, the rest empty."""
    from .glyphs import glyph_range_pbf, render_font

    drawn = render_font(path)
    folder = out / "fonts" / name
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, 65536, 256):
        (folder / f"{start}-{start + 255}.pbf").write_bytes(glyph_range_pbf(name, start, drawn.get(start)))
    return sum(len(glyphs) for glyphs in drawn.values())


def build(log: Callable[[str], None] = print, *, force: bool = False) -> bool:
    """Build what is out of date; False when everything was already current."""
    want = _digest(_inputs())
    if not force and is_current():
        return False
    started = time.monotonic()
    staging = OUT.with_name(OUT.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with ProcessPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(FONTS, pool.map(_write_font, FONTS, FONTS.values(), [staging] * len(FONTS)), strict=True))
    from .sprites import build_sprite

    (staging / "sprites").mkdir()
    icons = sorted(ICONS.glob("*.svg"))
    for name, colours in SPRITES.items():
        build_sprite(icons, staging / "sprites" / name, **colours)
    (staging / "manifest.json").write_text(json.dumps({"fonts": counts, "icons": len(icons)}, indent=1))
    # Swapped in whole, so a server never sees half a build.
    shutil.rmtree(OUT, ignore_errors=True)
    staging.rename(OUT)
    _copy_vendored()
    _STAMP.write_text(want)
    log(f"map assets built in {time.monotonic() - started:.1f} s: "
        + ", ".join(f"{name} {n} glyphs" for name, n in counts.items()) + f", {len(icons)} icons")
    return True
