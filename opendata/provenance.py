"""Licences and attributions of the third-party data the portal ships, read in place from shared/data's
PROVENANCE.md: its licence summary, and for each folder its sources with their licence lines."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

__all__ = ["Source", "Provenance", "provenance", "sources_for"]

_LICENCES = ("ODbL", "CC BY 4.0", "CC0", "Public Domain", "MIT", "GPL-3.0")
# Words in a layer's attribution that name a source folder of PROVENANCE.md.
_KEYWORDS = {"openstreetmap": "osm", "osm": "osm", "worldpop": "raster", "censusvn2009": "boundaries",
             "geoboundaries": "boundaries", "census": "boundaries"}


@dataclass(frozen=True)
class Source:
    folder: str
    text: str  # the bullet as PROVENANCE.md writes it, markup removed
    licences: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    summary: str
    sources: tuple[Source, ...]
    path: str


def _plain(markdown: str) -> str:
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", markdown)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    return " ".join(text.split())


def _licences(text: str) -> tuple[str, ...]:
    return tuple(name for name in _LICENCES if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I))


def _parse(text: str, path: str) -> Provenance:
    summary = ""
    match = re.search(r"Licence summary\.(.+?)\n\n", text, re.S)
    if match:
        summary = _plain("Licence summary." + match.group(1))
    sources = []
    for section in re.split(r"\n## ", text)[1:]:
        folder = section.split("/", 1)[0].strip()
        shared = _licences(_plain(section.split("\n* ", 1)[0].split("Sources", 1)[-1]))
        for bullet in re.findall(r"^\* (.+?)(?=\n\* |\n\n|\Z)", section, re.S | re.M):
            plain = _plain(bullet)
            sources.append(Source(folder, plain, _licences(plain) or shared))
    return Provenance(summary, tuple(sources), path)


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> Provenance:
    return _parse(Path(path).read_text(encoding="utf-8"), path)


def provenance() -> Provenance:
    path = Path(settings.SHARED_DATA_DIR) / "PROVENANCE.md"
    if not path.exists():
        return Provenance("", (), str(path))
    return _read(str(path), path.stat().st_mtime)


def sources_for(attribution: str) -> list[Source]:
    """The PROVENANCE.md sources a layer's attribution names (OSM, WorldPop, censusVN2009, geoBoundaries)."""
    words = attribution.lower()
    folders = {folder for key, folder in _KEYWORDS.items() if key in words}
    named = [s for s in provenance().sources if s.folder in folders]
    specific = [s for s in named if any(key in s.text.lower() for key in _KEYWORDS if key in words)]
    return specific or named
