"""The lean ASGI paths in front of Django (JSON reports at POST /api/incidents/, public tiles) served for real by
uvicorn: hostile bodies and path segments get a 4xx, never a 5xx, and no report is stored from them."""

import json
import urllib.error
import urllib.request

import pytest
from hostile_helpers import PHAN_RANG, count_cases

from incidents.models import Incident

pytestmark = pytest.mark.django_db

BODIES = [
    b"", b"null", b"[]", b"\"text\"", b"{", b"{\"category\": \"a\\u0000b\", \"description\": \"x\"}",
    b"{\"category\": \"pothole' OR '1'='1\", \"description\": \"x\", \"lon\": 108.9, \"lat\": 11.6}",
    b"{\"category\": {\"$ne\": 1}}", b"{\"category\": \"pothole\", \"lon\": 1e309, \"lat\": \"NaN\"}",
    b"{\"category\": \"pothole\", \"lon\": 99999999999999999999999, \"lat\": -1e400}",
    b"{\"category\": \"\\ud800\"}", b"\xff\xfe\x00{", b"{\"category\": \"" + b"x" * 100_000 + b"\"}",
    json.dumps({"category": "no-such-category", "description": "x\x00y", "lon": PHAN_RANG[0],
                "lat": PHAN_RANG[1], "attributes": {"a\x00": "b\x00"}}).encode(),
    b"{" + b"\"a\":[" * 5000 + b"]" * 5000 + b"}",
]
TILE_PATHS = ["/tiles/x%00y/1/1/1.mvt", "/tiles/../../etc/passwd", "/tiles/a'%20OR%201=1--/0/0/0.mvt",
              "/tiles/thua-dat-hostile/99999999999999999999/1/1.mvt", "/tiles/thua-dat-hostile/1/-1/-1.mvt",
              "/tiles/thua-dat-hostile/30/1073741824/1073741824.mvt", "/tiles/thua-dat-hostile/1/1/1.mvt%00",
              "/tiles/" + "a," * 2000 + "b/0/0/0.mvt", "/tiles/thua-dat-hostile/1/99999999999999999999/0.mvt",
              "/tiles/raster/x/99999999999999999999/0/0.png", "/tiles/" + "a" * 5000 + ".json",
              "/tiles/a'b/style.json"]


def _send(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_hostile_json_reports_on_the_lean_path(portal_server):
    before = Incident.objects.count()
    for body in BODIES:
        status = _send(urllib.request.Request(portal_server + "/api/incidents/", data=body, method="POST",
                                              headers={"Content-Type": "application/json"}))
        count_cases("lean paths")
        assert 400 <= status < 500, (body[:80], status)
    assert Incident.objects.count() == before


def test_hostile_tile_paths(portal_server):
    for path in TILE_PATHS:
        status = _send(urllib.request.Request(portal_server + path))
        count_cases("lean paths")
        assert status < 500, (path[:80], status)
