"""Reading settings from the environment, and the local servers bootstrap wrote down."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

__all__ = ["BASE_DIR", "load_local_env", "require"]

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def load_local_env() -> None:
    """Fill unset variables from .data/env, which bootstrap writes for the project-local servers."""
    env_file = BASE_DIR / ".data" / "env"
    if not env_file.exists():
        return
    for line in env_file.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not os.environ.get(key.strip()):
            os.environ[key.strip()] = value.strip()


def require(*names: str, hint: str = "set them in the environment") -> dict[str, str]:
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(f"missing environment variables {', '.join(missing)}: {hint}")
    return {name: os.environ[name] for name in names}
