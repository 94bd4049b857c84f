"""Writes of the planning adapters: issuing a planning information sheet (PDF kept with what it said)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import date

import shapely
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal.errors import PortalError
from portal.ratelimit import RateLimit, client_ip

from . import sheet_map
from .adapters import lookup_scope, raw_connection, tables
from .answers import answer_digest, answer_json
from .lookup import from_wgs84
from .models import PlanningSheet
from .pdf import FONT_DIRS, qr_svg_data_uri, render_pdf
from .records import PlanningAnswer, Scope
from .selectors import parcel_answer

__all__ = ["SHEET_LIMIT", "SheetsRateLimited", "check_sheet_rate", "do_issue_sheet", "sheet_html", "new_code"]

# Issuing writes a row and a PDF: at most this many sheets per address per ten minutes.
SHEET_LIMIT = RateLimit("planning-sheet", limit=int(getattr(settings, "PLANNING_SHEETS_PER_10_MIN", 30)), window=600)
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread
_NETWORK_NAMES = {"water": "Cấp nước", "drainage": "Thoát nước mưa", "sewer": "Thoát nước thải", "power": "Cáp điện",
                  "telecom": "Cáp viễn thông"}
_WORK_NAMES = {"pumping_station": "Trạm bơm", "sluice": "Cống", "junction": "Nút chia nước", "intake": "Cửa lấy nước",
               "outlet": "Cửa xả"}
MAP_WIDTH_MM = 150.0


class SheetsRateLimited(PortalError):
    code = "rate_limited"
    http_status = 429
    user_msg = "Too many planning sheets from this address; try again in a few minutes."


def check_sheet_rate(request) -> None:
    if SHEET_LIMIT.exceeded(client_ip(request)):
        raise SheetsRateLimited()


def new_code() -> str:
    """Ten characters of Crockford base 32 (50 bits) as XXXXX-XXXXX: unguessable, easy to read out and type."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def _corridors(answer: PlanningAnswer) -> tuple[list[dict], list[str]]:
    """The table's rows, and the sources of their widths: each named once, rows point at theirs by number."""
    rows, sources = [], []

    def basis(source: str) -> int:
        if source not in sources:
            sources.append(source)
        return sources.index(source) + 1

    for n in answer.networks:
        name = _NETWORK_NAMES.get(n.network, n.network)
        if n.detail and n.detail.get("diameter_mm"):
            name += f" Ø{n.detail['diameter_mm']} mm"
        rows.append({"name": name, "distance_m": n.distance_m, "corridor_m": n.corridor_m,
                     "basis": basis(n.corridor_source), "within": n.within_corridor, "source": n.layer.title_vi})
    for i in answer.irrigation:
        if i.kind == "canal":
            name = f"Kênh cấp {i.level}" + (f" {i.name}" if i.name else "")
        else:
            name = _WORK_NAMES.get(i.work_kind or "", "Công trình thủy lợi") + (f" {i.name}" if i.name else "")
        rows.append({"name": name, "distance_m": i.distance_m, "corridor_m": i.corridor_m,
                     "basis": basis(i.corridor_source), "within": i.within_corridor, "source": i.layer.title_vi})
    return rows, sources


def _vertices(answer: PlanningAnswer, srid: int) -> list[tuple[str, float, float]]:
    geom = shapely.geometry.shape(answer.parcel.geometry)
    points = []
    for part in getattr(geom, "geoms", [geom]):
        points += list(part.exterior.coords)[:-1]
    return [(str(i + 1), *from_wgs84(lon, lat, srid)) for i, (lon, lat) in enumerate(points[:40])]


def sheet_html(answer: PlanningAnswer, scope: Scope, *, code: str, verify_url: str, issued_at) -> str:
    """The sheet as HTML (A4, Vietnamese) with its map drawn from the database around the parcel."""
    parcel = answer.parcel
    box = sheet_map.map_box(parcel.bbox)
    features = sheet_map.map_features(raw_connection(), box, scope=scope, as_of=answer.as_of, tables=tables())
    jpeg = sheet_map.render_jpeg(features, box=box, subject=shapely.geometry.shape(parcel.geometry),
                                 width_mm=MAP_WIDTH_MM)
    drawn = {f.code for f in features if f.what == "segment"} | ({"canal"} if any(
        f.what == "canal" for f in features) else set())
    legend = [(_NETWORK_NAMES.get(k, "Kênh mương"), sheet_map.NETWORK_COLOURS[k]) for k in sorted(drawn)
              if k in sheet_map.NETWORK_COLOURS]
    srid = int(getattr(settings, "PLANNING_VN2000_SRID", 9217))
    vertices = _vertices(answer, srid)
    rows = [(vertices[i], vertices[i + 1] if i + 1 < len(vertices) else None) for i in range(0, len(vertices), 2)]
    corridor_rows, corridor_sources = _corridors(answer)
    return render_to_string("geoprocessing/sheet.html", {
        "issuer": getattr(settings, "PLANNING_ISSUER", "UBND tỉnh Ninh Thuận"),
        "code": code, "verify_url": verify_url, "issued_at": timezone.localtime(issued_at),
        "as_of": answer.as_of, "parcel": parcel, "commune": parcel.commune.unit.name if parcel.commune else "",
        "zones": answer.zones, "decisions": answer.decisions, "corridors": corridor_rows,
        "corridor_sources": corridor_sources, "distance_m": answer.distance_m, "notes": answer.notes,
        "map_uri": "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii"),
        "map_width_mm": MAP_WIDTH_MM, "legend_lines": legend,
        "qr_uri": qr_svg_data_uri(verify_url), "vertex_rows": rows,
        "vn2000_name": getattr(settings, "PLANNING_VN2000_NAME", "kinh tuyến trục 108°15′, múi chiếu 3°"),
    })


def do_issue_sheet(*, parcel_id: int, day: date | None, distance_m: float,
                   verify_url_for: Callable[[str], str]) -> PlanningSheet:
    """Read the plan for the parcel, print it, keep the PDF and the public answer under a new code.

    A sheet is a public document whoever asks for it: it is read with the public's scope (constraints of internal
    networks, never their identifiers), so that its code can be checked again by anyone."""
    scope = lookup_scope(AnonymousUser())
    answer = parcel_answer(parcel_id, scope, day=day, distance_m=distance_m)
    data = answer_json(answer)
    issued_at = timezone.now()
    code = new_code()
    html = sheet_html(answer, scope, code=code, verify_url=verify_url_for(code), issued_at=issued_at)
    pdf = render_pdf(html, roots=FONT_DIRS)
    sheet = PlanningSheet(code=code, issued_at=issued_at, as_of=answer.as_of, layer_slug=answer.parcel.layer.slug,
                          layer_version=answer.parcel.layer.version, parcel_ext_id=answer.parcel.ext_id,
                          commune_name=data["parcel"]["commune"]["unit"]["name"] if data["parcel"]["commune"] else "",
                          sheet_no=answer.parcel.sheet_no, parcel_no=answer.parcel.parcel_no, answer=data,
                          answer_sha256=answer_digest(data), pdf_sha256=hashlib.sha256(pdf).hexdigest())
    with transaction.atomic():
        sheet.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
        sheet.save()
    return sheet
