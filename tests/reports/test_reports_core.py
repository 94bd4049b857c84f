"""The report core (figures, hotspots, charts, maps, the folium map, CSV, periods, redaction) imports no Django:
each module is imported in a fresh interpreter in which importing django, ninja or the portal's apps fails. The
folium map's parts: Leaflet from the portal, its code kept out of the page, the same file for the same figures."""

import re
import subprocess
import sys
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.periods import Period, PeriodError, check_range, month_before, week_before
from reports.records import Area, Breakdown, Figures, Hotspot, Totals
from reports.webmap import NONE_COLOUR, PALETTE, received_classes, report_map

ROOT = Path(__file__).resolve().parents[2]
CORE = ("periods", "records", "sqlfiles", "hotspots", "figures", "charts", "maps", "tables", "redact", "webmap")
_BLOCKER = """
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"django", "ninja", "layers", "portal", "incidents", "opendata"}:
            raise ImportError(f"the core imported {name}")
        return None
sys.meta_path.insert(0, Blocked())
import importlib
importlib.import_module(sys.argv[1])
"""


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_django(module):
    result = subprocess.run([sys.executable, "-c", _BLOCKER, f"reports.{module}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-1500:]


def test_periods_of_the_beat_and_their_checks():
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    monday_seven = datetime(2026, 3, 9, 7, 0, tzinfo=zone)
    assert week_before(monday_seven) == Period(date(2026, 3, 2), date(2026, 3, 8))
    assert month_before(datetime(2026, 3, 1, 7, 0, tzinfo=zone)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert Period(date(2026, 1, 1), date(2026, 1, 31)).shifted(-1) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert Period(date(2026, 3, 2), date(2026, 3, 8)).start.isoformat() == "2026-03-02T00:00:00+07:00"
    with pytest.raises(PeriodError, match="inverted"):
        check_range(date(2026, 3, 8), date(2026, 3, 2), now=monday_seven)
    with pytest.raises(PeriodError, match="yesterday"):
        check_range(date(2026, 3, 2), date(2026, 3, 9), now=monday_seven)
    assert check_range(date(2026, 3, 2), date(2026, 3, 8), now=monday_seven).days == 7


def test_shading_classes_cover_every_count_once():
    assert received_classes(0) == []
    assert received_classes(1) == [(1, 1, PALETTE[-1])]
    for top in (2, 3, 7, 12, 1000):
        classes = received_classes(top)
        assert classes[0][0] == 1 and classes[-1][1] == top and classes[-1][2] == PALETTE[-1]
        assert all(high + 1 == next_low for (_, high, _), (next_low, _, _) in pairwise(classes))
        assert len(classes) == min(top, len(PALETTE)) and len({c[2] for c in classes}) == len(classes)


def _tiny_figures():
    import shapely

    units = [{"id": 1, "level": "province", "name": "Tỉnh", "geometry": shapely.box(108.6, 11.3, 109.2, 12.0)},
             {"id": 2, "level": "commune", "name": "Xã <Một> & Co", "geometry": shapely.box(108.6, 11.3, 108.9, 12.0)},
             {"id": 3, "level": "commune", "name": "Phường Hai", "geometry": shapely.box(108.9, 11.3, 109.2, 12.0)}]
    figures = Figures(area=Area("province", "58", "Tỉnh", (1,)), first="2026-03-02", last="2026-03-08",
                      totals=Totals(9, 4, 2, 5, 3, 4, 12.0), by_channel=[], by_category=[], by_agency=[],
                      by_commune=[Breakdown("2", "Xã <Một> & Co", 9, 4, 2)], camera=[], hotspots=[
                          Hotspot(108.7, 11.5, 6, 3.2, 99, 500, ((108.69, 11.49), (108.71, 11.49), (108.71, 11.51),
                                                                 (108.69, 11.51), (108.69, 11.49)))])
    return figures, units


def test_the_folium_map_loads_only_the_portals_leaflet_and_keeps_its_code_out_of_the_page():
    figures, units = _tiny_figures()
    made = report_map(figures, units, static="/static")
    assert re.findall(r'(?:src|href)="([^"]+)"', made.head) == ["/static/vendor/leaflet/leaflet.js",
                                                                 "/static/vendor/leaflet/leaflet.css"]
    # Nothing runs from the page itself: its head has styles and links, its body the container.
    assert "<script>" not in made.head + made.body and "L_NO_TOUCH" not in made.head
    assert re.findall(r"<script\b[^>]*>", made.head) == ['<script src="/static/vendor/leaflet/leaflet.js">']
    assert 'class="folium-map report-map"' in made.body and "<script" not in made.body
    assert "<script" not in made.script and "L.map(" in made.script and not re.search(r"https?:|//", made.script)
    # Shaded by the figures, with a legend; the name is escaped, since folium's popups set HTML.
    assert f'"fillColor": "{PALETTE[-1]}"' in made.script and f'"fillColor": "{NONE_COLOUR}"' in made.script
    assert "\\u0026lt;M\\u1ed9t\\u0026gt;" in made.script and "<Một>" not in made.script
    assert "report-legend" in made.script and "textContent" in made.script
    assert made.script.count("bindPopup(") == 1 and made.script.count("bindTooltip(") == 2
    # The same figures give the same file (folium's names would be random otherwise).
    assert report_map(figures, units, static="/static") == made
