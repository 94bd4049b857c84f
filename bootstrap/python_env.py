"""The project's .venv and node_modules, reinstalled only when their lock files change."""

import hashlib
import shutil
import subprocess
import sys

from .errors import BootstrapError
from .paths import ROOT, VENV, VENV_PYTHON

__all__ = ["ensure_venv", "ensure_node_modules"]

PY_INPUTS = ("requirements.lock", "requirements-dev.lock", "pyproject.toml")
NODE_INPUTS = ("package.json", "package-lock.json")


def _digest(names) -> str:
    h = hashlib.sha256()
    for name in names:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def _run(cmd, what: str) -> None:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        errors = [line for line in lines if "error" in line.lower()] or lines
        raise BootstrapError(f"{what} failed: {errors[-1].strip()}")


def ensure_venv(log) -> None:
    stamp = VENV / ".portal-stamp"
    want = _digest(PY_INPUTS)
    if VENV_PYTHON.exists() and stamp.exists() and stamp.read_text() == want:
        return
    if not VENV_PYTHON.exists():
        log("creating .venv")
        _run([sys.executable, "-m", "venv", str(VENV)], "creating .venv")
    log("installing pinned Python dependencies (requirements-dev.lock, which includes requirements.lock)")
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, "--requirement", "requirements-dev.lock"], "pip install -r requirements-dev.lock")
    _run([*pip, "--no-deps", "--editable", "."], "pip install -e .")
    stamp.write_text(want)


def ensure_node_modules(log) -> None:
    stamp = ROOT / "node_modules" / ".portal-stamp"
    want = _digest(NODE_INPUTS)
    if stamp.exists() and stamp.read_text() == want:
        return
    if shutil.which("npm") is None:
        raise BootstrapError("npm is missing: apt-get install -y npm")
    log("installing pinned npm dependencies (npm ci)")
    _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci")
    stamp.write_text(want)
