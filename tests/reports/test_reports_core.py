"""The report core (figures, hotspots, charts, maps, CSV, periods, redaction) imports no Django: each module is
imported in a fresh interpreter in which importing django, ninja or the portal's apps fails."""

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.periods import Period, PeriodError, check_range, month_before, week_before

ROOT = Path(__file__).resolve().parents[2]
CORE = ("periods", "records", "sqlfiles", "hotspots", "figures", "charts", "maps", "tables", "redact")
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
