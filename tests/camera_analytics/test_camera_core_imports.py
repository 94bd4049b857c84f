"""The video core imports no Django (nor the portal's apps): each core module is imported in a fresh interpreter
in which importing django, ninja, layers, portal or incidents fails; the one exception is the portal's own
framework-free redaction module (incidents.media_redact), which blurs plates in public evidence."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted(p.stem for p in (ROOT / "camera_analytics" / "core").glob("*.py") if p.stem != "__init__")

_BLOCKER = """
import importlib.abc, sys
ALLOWED = {"incidents", "incidents.media_redact"}
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"django", "ninja", "layers", "portal", "incidents"} and name not in ALLOWED:
            raise ImportError(f"the core imported {name}")
        return None
sys.meta_path.insert(0, Blocked())
import importlib
importlib.import_module(sys.argv[1])
"""


def test_the_core_has_the_modules_the_design_names():
    assert {"calibration", "video", "motion", "tracking", "judging", "rules", "evidence", "pipeline"} <= set(CORE)


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_django(module):
    result = subprocess.run([sys.executable, "-c", _BLOCKER, f"camera_analytics.core.{module}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-1500:]


def test_the_blocker_does_block():
    result = subprocess.run([sys.executable, "-c", _BLOCKER, "camera_analytics.models"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "the core imported django" in result.stderr
