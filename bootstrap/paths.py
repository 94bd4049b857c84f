"""Where the project keeps its local state."""

from pathlib import Path

__all__ = ["ROOT", "DATA", "VENV", "VENV_PYTHON", "ENV_FILE"]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
ENV_FILE = DATA / "env"
