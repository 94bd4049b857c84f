"""Load on the paths the public and the apps hit hardest — tiles, features, the planning lookup, intake — each a
bounded `wrk` run on 127.0.0.1 against the portal served as `make run` serves it (uvicorn with its lean paths),
on the demo province. For each: requests a second, p50 and p99 latency, and errors (goal: none).
Intake's rows are then counted against its 2xx answers: nothing answered may be missing. A request wrk cut
off when its time ran out may still have been stored, so up to one per connection may be stored unanswered.

Tiles are served warm (the first pass fills the Redis cache, as a busy day does): `make bench ARGS=tiles` has
the uncached path. Intake is an app's report with a token (JSON, lean path), without media.
"""

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .import_parcels import CACHE, ROOT
from .servers import Load, answers, free_port, started, uvicorn, wrk

PARCELS = "demo-thua-dat"
SEED = 0.20261207
SAMPLES = 300


@dataclass
class Target:
    name: str
    paths: list[str]
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] | None = None


def _demo(parcels: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from incidents.demo import load_incident_setup
    from portal.demo import load_admin_units, load_basemap, load_demo_layers, load_org_units

    # bench.incidents._setup() migrates and loads the admin units again, but runs after this: the org units and
    # incident setup below need them first (both are no-ops the second time).
    call_command("migrate", verbosity=0, interactive=False)
    quiet = lambda line: None  # noqa: E731
    load_admin_units(settings.SHARED_DATA_DIR / "boundaries", quiet)
    load_org_units()
    load_incident_setup()
    load_basemap(settings.SHARED_DATA_DIR / "osm", quiet)
    load_demo_layers(settings.SHARED_DATA_DIR, quiet, parcels=parcels)


def _points() -> list[tuple[float, float]]:
    """A fixed sample of places inside the demo's parcels."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED])
        cursor.execute("""
            SELECT ST_X(p), ST_Y(p) FROM (
              SELECT ST_PointOnSurface(parcel.geom) AS p FROM layers_landparcel parcel
                JOIN layers_layer layer ON layer.id = parcel.layer_id
               WHERE layer.slug = %s ORDER BY random() LIMIT %s) sample""", [PARCELS, SAMPLES])
        return cursor.fetchall()


def _targets(points: list[tuple[float, float]], token: str) -> list[Target]:
    from layers.tiles.service import tile_of

    from .incidents import CATEGORY, DESCRIPTION, PHAN_RANG

    tiles = sorted({tile_of(lon, lat, z) for lon, lat in points for z in (14, 15, 16, 17)})
    box = 0.003  # about 300 m
    report = json.dumps({"category": CATEGORY, "description": DESCRIPTION, "lon": PHAN_RANG[0],
                         "lat": PHAN_RANG[1]}).encode()
    return [
        Target("tiles", [f"/tiles/{PARCELS}/{z}/{x}/{y}.mvt" for z, x, y in tiles]),
        Target("features", [f"/ogcapi/collections/{PARCELS}/items?f=json&limit=100&bbox={lon - box:.5f},"
                            f"{lat - box:.5f},{lon + box:.5f},{lat + box:.5f}" for lon, lat in points]),
        Target("lookup", [f"/api/planning/lookup?lon={lon:.6f}&lat={lat:.6f}" for lon, lat in points]),
        Target("intake", ["/api/incidents/"], "POST", report,
               {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}),
    ]


def run(*, seconds: int = 10, connections: int = 16, web_workers: int = 2, parcels: int = 10_000) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from .incidents import _cleanup, _load, _setup, _stored
    from .tiles import ensure_wrk

    ensure_wrk()
    print(f"load: bounded wrk runs of {seconds} s, {connections} connections, {web_workers} uvicorn worker(s), "
          f"{os.cpu_count()} cores, all on 127.0.0.1; demo province of {parcels:,} parcels ({_load()})")
    _demo(parcels)
    category, token = _setup()
    _cleanup(category)
    targets = _targets(_points(), token)
    env = dict(os.environ, DB_POOL_MAX=str(connections + 2), PYTHONUNBUFFERED="1", DEBUG="0")
    CACHE.mkdir(parents=True, exist_ok=True)
    port = free_port()
    loads: dict[str, Load] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, \
         started("web-load", uvicorn("portal.asgi:application", python=sys.executable, port=port,
                                     workers=web_workers), env=env, cwd=ROOT, log_dir=CACHE,
                 ready=lambda: answers(port, "/api/incidents/categories")):
        for target in targets:
            script = Path(tmp) / f"{target.name}.lua"
            # A short pass first: pools, caches and the server's own warm-up are not what is measured.
            wrk(port, target.paths, script=script, threads=2, connections=connections, seconds=2,
                method=target.method, body=target.body, headers=target.headers)
            if target.name == "intake":
                time.sleep(1)  # requests wrk cut off finish on the server
                _cleanup(category)
            loads[target.name] = wrk(port, target.paths, script=script, threads=2, connections=connections,
                                     seconds=seconds, method=target.method, body=target.body,
                                     headers=target.headers)
        time.sleep(1)
        stored = _stored(category)[0]
    _cleanup(category)

    print(f"  {'path':<9} {'requests':>9} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, load in loads.items():
        errors = load.errors + load.http_errors
        print(f"  {name:<9} {load.requests:>9,} {load.per_second:>8,.0f} {load.p50_ms:>8.1f} {load.p99_ms:>8.1f} "
              f"{errors:>7}")
    total_errors = sum(load.errors + load.http_errors for load in loads.values())
    intake = loads["intake"]
    answered = intake.requests - intake.http_errors
    unanswered = stored - answered
    kept = 0 <= unanswered <= connections
    print(f"  intake: {stored:,} reports stored for {answered:,} answered 2xx "
          f"({unanswered} cut off in flight when wrk stopped) — " + ("nothing lost" if kept else "MISMATCH"))
    print(f"  errors: {total_errors} (goal 0) — " + ("met" if total_errors == 0 and kept else "NOT met")
          + f"; {_load()}")
