"""Find which Debian packages the portal needs are missing, and install them when root."""

import ctypes.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import BootstrapError

__all__ = ["PG_VERSION", "pg_bindir", "postgis_control", "missing_packages", "ensure_system_packages"]

PG_VERSION = "15"


def pg_bindir() -> Path:
    return Path(os.environ.get("PORTAL_PG_BINDIR", f"/usr/lib/postgresql/{PG_VERSION}/bin"))


def postgis_control(sharedir: Path | None = None) -> Path:
    sharedir = sharedir or Path(os.environ.get("PORTAL_PG_SHAREDIR", f"/usr/share/postgresql/{PG_VERSION}"))
    return sharedir / "extension" / "postgis.control"


@dataclass(frozen=True)
class Need:
    package: str
    present: object  # a zero-argument callable answering True when the need is met


def _lib(name: str):
    return lambda: ctypes.util.find_library(name) is not None


def _exe(name: str):
    return lambda: shutil.which(name) is not None


def _venv_works() -> bool:
    try:
        import ensurepip  # noqa: F401  (Debian strips it out of python3 unless python3-venv is installed)
    except ImportError:
        return False
    return True


NEEDS = (
    Need("postgresql-15", lambda: (pg_bindir() / "initdb").exists()),
    Need("postgresql-15-postgis-3", lambda: postgis_control().exists()),
    Need("gdal-bin", _exe("ogrinfo")),
    Need("libgdal32", _lib("gdal")),
    Need("libgeos-c1v5", _lib("geos_c")),
    Need("libproj25", _lib("proj")),
    Need("redis-server", _exe("redis-server")),
    Need("chromium", _exe("chromium")),
    Need("nodejs", _exe("node")),
    Need("npm", _exe("npm")),
    Need("gettext", _exe("msgfmt")),
    # Plan decision PDFs of the demo are set in DejaVu Sans (Vietnamese glyphs).
    Need("fonts-dejavu-core", lambda: Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists()),
    # WeasyPrint lays out the planning information sheets with pango (through its FreeType backend).
    Need("libpangoft2-1.0-0", _lib("pangoft2-1.0")),
    # The map's glyph ranges (Vietnamese letters included) are built from Noto Sans (portal/mapassets).
    Need("fonts-noto-core", lambda: Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf").exists()),
    # Report tests read the text of the PDFs they render (pdftotext).
    Need("poppler-utils", _exe("pdftotext")),
    Need("python3-venv", _venv_works),
    # The deployment's nginx site (deploy/nginx.conf) is run for real by tests/deploy/test_nginx_live.py.
    # Debian's `nginx` is the binary itself (proxy_cache built in); nginx-light only adds the echo module to it.
    # Looked up in /usr/sbin by path: a non-root PATH often leaves that directory out.
    Need("nginx", lambda: Path("/usr/sbin/nginx").exists()),
)


def missing_packages() -> list[str]:
    return [need.package for need in NEEDS if not need.present()]


def ensure_system_packages(log) -> None:
    missing = missing_packages()
    if not missing:
        return
    line = "apt-get install -y " + " ".join(missing)
    if os.geteuid() != 0:
        raise BootstrapError(f"missing system packages; run as root: sudo apt-get update && sudo {line}")
    log(f"installing system packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BootstrapError(f"'{' '.join(cmd)}' failed: {tail[0]}")
    still = missing_packages()
    if still:
        raise BootstrapError(f"still missing after apt-get: {' '.join(still)}")
