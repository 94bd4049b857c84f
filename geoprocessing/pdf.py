"""HTML to PDF with WeasyPrint, offline: resources come only from data: URLs and files under the given folders
(fonts, the portal's static files), so a document can never make the server fetch from a network."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from weasyprint import HTML
from weasyprint.urls import URLFetcher

__all__ = ["FONT_DIRS", "LocalOnlyFetcher", "render_pdf", "qr_svg_data_uri"]

logger = logging.getLogger(__name__)

# Debian's fonts-dejavu-core: Vietnamese glyphs; pango finds them through fontconfig, @font-face by file URL.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


class LocalOnlyFetcher(URLFetcher):
    """Fetches data: URLs and file: URLs under `roots`; refuses everything else and remembers what it refused."""

    def __init__(self, roots: Iterable[Path]):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return super().fetch(url, headers)
        self.refused.append(url)
        logger.warning("PDF resource refused (only data: and local files are read): %s", url[:200])
        raise ValueError(f"not fetched: {url[:200]}")


def render_pdf(html: str, *, roots: Iterable[Path] = FONT_DIRS, base_url: str | None = None,
               fetcher: LocalOnlyFetcher | None = None) -> bytes:
    """The PDF of `html`. Pass a `fetcher` to read back what was refused."""
    fetcher = fetcher or LocalOnlyFetcher(roots)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def qr_svg_data_uri(text: str, *, scale: int = 3) -> str:
    """A QR code of `text` as an SVG data: URL, for an <img> the fetcher above accepts."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
