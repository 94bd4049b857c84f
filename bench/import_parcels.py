"""Import N generated parcels from a GeoPackage: our importer against `ogr2ogr -f PostgreSQL` of the same file.

Both write into the same database in the same run, taking turns. Ours also casts and checks every value,
validates and repairs every geometry, finds each parcel's commune, computes the Web Mercator copy and the
geodesic area, and builds two GiST indexes, the key and the sheet/parcel index; ogr2ogr copies and builds
one GiST index.
Peak memory of our import is read from its own process at two sizes: streamed means it stays flat.

Ours runs in a process of its own, timed two ways: the import itself, as a Celery worker (already started)
runs it for the portal — the figure the goal is read on — and the whole process, Python and Django's start
(about 2 s here) included, as `manage.py import_layer` takes from a shell.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".data" / "bench"


def _pg_conninfo(url: str) -> str:
    parts = urlsplit(url)
    info = (f"host={parts.hostname} port={parts.port or 5432} dbname={parts.path.lstrip('/')} "
            f"user={unquote(parts.username or '')}")
    # An empty "password=" swallows what follows it in libpq's parser; trust auth needs none.
    return info + (f" password={unquote(parts.password)}" if parts.password else "")


def parcels_file(count: int) -> Path:
    """The generator's parcels at this size, made once and kept under .data/bench."""
    path = CACHE / f"parcels-{count}.gpkg"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    from fixtures.demo_province import generate, write_geopackage

    boundaries = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data")) / "boundaries"
    started = time.perf_counter()
    demo = generate(parcels=count, boundaries_dir=boundaries)
    partial = path.with_suffix(".part.gpkg")
    write_geopackage(demo, partial)
    partial.rename(path)
    print(f"  generated {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time and output of one command."""
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {(result.stdout + result.stderr)[-800:]}")
    return time.perf_counter() - started, result.stdout


def _ensure_communes() -> None:
    """Our import places every parcel in its commune; without communes loaded that work would be skipped."""
    from fixtures.admin_units import DEMO_ADMIN_SOURCES
    from layers.admin_units_import import FieldMapping, import_admin_units
    from layers.models import AdminUnit

    if AdminUnit.objects.filter(level="commune").exists():
        return
    boundaries = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data")) / "boundaries"
    for src in DEMO_ADMIN_SOURCES:
        import_admin_units(boundaries / src.file, level=src.level, code_prefix=src.code_prefix,
                           mapping=FieldMapping.parse(list(src.mapping)))


def run(counts: list[int], *, repeat: int = 3) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from django.db import connection

    from layers.models import Layer

    _ensure_communes()

    url = os.environ["DATABASE_URL"]
    env = dict(os.environ)
    print(f"import of generated parcels (GeoPackage -> PostGIS); each side {repeat}x, taking turns, medians")
    print(f"  {'parcels':>10} {'ogr2ogr s':>10} {'ours s':>8} {'ratio':>6} {'(runs)':>13} {'goal':>5} "
          f"{'our peak MB':>12}   {'whole process s':>15} {'ratio':>6}")
    for count in counts:
        path = parcels_file(count)
        layer, _ = Layer.objects.get_or_create(slug="bench-parcels", defaults={
            "kind": "land_parcel", "title_vi": "bench", "title_en": "bench", "theme": "planning",
            "visibility": Layer.Visibility.INTERNAL})
        theirs, ours, wholes, peaks = [], [], [], []
        # Taking turns: a machine whose load changes during the run slows both sides alike.
        for _ in range(repeat):
            ogr_s, _out = _timed(["ogr2ogr", "-f", "PostgreSQL", f"PG:{_pg_conninfo(url)}", str(path),
                                  "land_parcel", "-nln", "bench_ogr_parcels", "-overwrite",
                                  "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST"], env)
            whole_s, out = _timed([sys.executable, "-m", "bench.import_worker", layer.slug, str(path),
                                   "land_parcel"], env)
            inner_s, imported, ours_mb = (float(v) for v in out.split()[-3:])
            assert imported >= count * 0.9, out
            theirs.append(ogr_s)
            ours.append(inner_s)
            wholes.append(whole_s)
            peaks.append(ours_mb)
        ratios = sorted(o / t for o, t in zip(ours, theirs, strict=True))
        spread = f"{ratios[0]:.2f}-{ratios[-1]:.2f}"
        whole_ratio = statistics.median(w / t for w, t in zip(wholes, theirs, strict=True))
        print(f"  {count:>10,} {statistics.median(theirs):>10.1f} {statistics.median(ours):>8.1f} "
              f"{statistics.median(ratios):>5.2f}x {spread:>13} {'1.5x':>5} {int(max(peaks)):>12,}   "
              f"{statistics.median(wholes):>15.1f} {whole_ratio:>5.2f}x")
        layer.delete()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_ogr_parcels")
