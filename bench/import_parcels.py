"""Import N generated parcels from a GeoPackage: our importer against `ogr2ogr -f PostgreSQL` of the same file.

Both write into the same database in the same run. Ours also validates and repairs every geometry,
computes the Web Mercator copy and the geodesic area, and keeps two GiST indexes; ogr2ogr only copies.
Peak memory of our import is read from its own process at two sizes: streamed means it stays flat.
"""

import os
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


def run(counts: list[int]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from django.db import connection

    from layers.models import Layer

    _ensure_communes()

    url = os.environ["DATABASE_URL"]
    env = dict(os.environ)
    print("import of generated parcels (GeoPackage -> PostGIS)")
    print(f"  {'parcels':>10} {'ogr2ogr s':>10} {'ours s':>8} {'ratio':>6} {'goal':>5} {'our peak MB':>12}")
    for count in counts:
        path = parcels_file(count)
        ogr_s, _ = _timed(["ogr2ogr", "-f", "PostgreSQL", f"PG:{_pg_conninfo(url)}", str(path),
                                    "land_parcel", "-nln", "bench_ogr_parcels", "-overwrite",
                                    "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST"], env)
        layer, _ = Layer.objects.get_or_create(slug="bench-parcels", defaults={
            "kind": "land_parcel", "title_vi": "bench", "title_en": "bench", "theme": "planning",
            "visibility": Layer.Visibility.INTERNAL})
        ours_s, out = _timed([sys.executable, "-m", "bench.import_worker", layer.slug, str(path), "land_parcel"],
                             env)
        _inner_s, created, ours_mb = (float(v) for v in out.split()[-3:])
        assert created >= count * 0.9, out
        ratio = ours_s / ogr_s
        print(f"  {int(created):>10,} {ogr_s:>10.1f} {ours_s:>8.1f} {ratio:>5.2f}x {'1.5x':>5} {int(ours_mb):>12,}")
        layer.delete()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_ogr_parcels")
