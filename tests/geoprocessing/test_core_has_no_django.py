"""The spatial core imports no Django (nor the portal's apps): each core module is imported in a fresh interpreter
in which importing django, ninja, layers or portal fails."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "geoprocessing"
CORE = ("errors", "records", "sqlfiles", "communes", "lookup", "geometry_input", "queries", "trace", "writers",
        "sheet_map", "pdf", "rasters", "raster_tiles")
# The thin Django side: app, models, API, pages, and the glue that turns requests into core calls.
ADAPTERS = ("apps", "checks", "models", "admin", "adapters", "answers", "schemas", "selectors", "services",
            "planning_api", "queries_api", "views", "urls")

_BLOCKER = """
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"django", "ninja", "layers", "portal", "incidents"}:
            raise ImportError(f"the core imported {name}")
        return None
sys.meta_path.insert(0, Blocked())
import importlib
importlib.import_module(sys.argv[1])
"""


def test_every_module_is_either_core_or_adapter():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules <= set(CORE) | set(ADAPTERS), sorted(modules - set(CORE) - set(ADAPTERS))
    assert not set(CORE) & set(ADAPTERS)


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_django(module):
    result = subprocess.run([sys.executable, "-c", _BLOCKER, f"geoprocessing.{module}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-1500:]


def test_the_blocker_does_block():
    result = subprocess.run([sys.executable, "-c", _BLOCKER, "geoprocessing.adapters"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "the core imported django" in result.stderr
