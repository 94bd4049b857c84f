"""Vector tiles on one fixed list of tiles, z12–z17: (a) the raw ST_AsMVT floor, (b) our endpoint uncached,
(c) cached, (d) tipg over the same tables, all measured in the same run on the same data.

Data: N generated parcels (a public land_parcel layer) and the OSM buildings of two districts (a plan_zone
layer). The tiles are drawn with a seeded RNG among those that hold data, so each run asks for the same ones.
Latency: one keep-alive client, each tile once, p50/p95; (a) and (b) take turns tile by tile, so that both
meet the same load. Throughput: a bounded `wrk` on 127.0.0.1 cycling through a list: all the tiles, the small
ones, and the OSM buildings' z16-z17 tiles, the kind the issue's reference figures are for. Uncached
throughput is measured against a Redis that never hits (see servers.py), so every request of the run takes
the uncached path, whatever its length; its wrk runs and tipg's take turns, both servers up, so that a drift
in the machine's speed meets both alike. Servers run under uvicorn with uvloop and httptools, ours and tipg
alike; with more than one worker, uvicorn's listener is bound so that TCP_NODELAY is set (see servers.py),
and the notes show what the stock one costs.
"""

import gzip
import math
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial

from .import_parcels import CACHE, ROOT, parcels_file
from .servers import (
    Load,
    Reply,
    answers,
    free_port,
    miss_only_redis,
    started,
    timed_pass,
    uvicorn,
    wrk,
)

PARCELS = "bench-tiles-parcels"
BUILDINGS = "bench-tiles-buildings"
# (file under shared/data/osm, zone_code given to its buildings)
OSM_DISTRICTS = (("hcmc_district3", "hcmc-d3"), ("hanoi_dongda_vanmieu", "hanoi-dongda"))
ZOOMS = range(12, 18)
SEED = 20_251_123
TIPG = "tipg==1.6.1"
TIPG_UVICORN = "uvicorn==0.54.0"  # the version the portal runs, with its event loop and HTTP parser
TIPG_SERVER_EXTRAS = ("uvloop==0.23.0", "httptools==0.9.0")
TIPG_VENV = CACHE / "tipg-venv"
HALF_WORLD = 20037508.342789244  # EPSG:3857 half extent, metres
SAMPLE_FEATURES = 5000  # features whose tiles are the candidates at each zoom
STALL_PROBE = 60  # cached tiles asked of a stock multi-worker uvicorn


@dataclass
class Case:
    dataset: str  # "parcels" or "buildings"
    kind: str
    slug: str
    layer_id: int
    table: str
    properties: str  # the columns our tiles carry, for tipg's ?properties=
    z: int
    x: int
    y: int

    @property
    def ours(self) -> str:
        return f"/tiles/{self.slug}/{self.z}/{self.x}/{self.y}.mvt"

    @property
    def tipg(self) -> str:
        # Same table, same layer's rows, same columns, the stored 3857 column; tipg's own SQL around them.
        return (f"/collections/public.{self.table}/tiles/WebMercatorQuad/{self.z}/{self.x}/{self.y}"
                f"?geom-column=geom_3857&layer_id={self.layer_id}&properties={self.properties}")


@dataclass
class Pass:
    """One timed pass over the list: seconds per case, in list order."""

    seconds: list[float]
    sizes: list[int] = field(default_factory=list)


@dataclass
class Results:
    cases: list[Case]
    tiles: list[bytes]  # the raw SQL's, in list order: what every server must send
    lists: dict[str, list[int]]  # the lists wrk cycles through, as indices of cases
    passes: dict[str, Pass] = field(default_factory=dict)  # "a" … "d"
    loads: dict[tuple[str, str, int], Load] = field(default_factory=dict)  # (list, "b"…"d", workers)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, float] = field(default_factory=dict)  # (a)'s tiles/s per list, no HTTP
    statements: list[tuple[str, list]] = field(default_factory=list)

    def paths(self, which: str, server: str) -> list[str]:
        return [getattr(self.cases[i], server) for i in self.lists[which]]


# ---------------------------------------------------------------- data


def _layer(slug: str, kind: str, title: str):
    from layers.models import Layer

    layer, _ = Layer.objects.update_or_create(slug=slug, defaults={
        "kind": kind, "title_vi": title, "title_en": title, "theme": Layer.Theme.PLANNING,
        "visibility": Layer.Visibility.PUBLIC, "min_zoom": 12, "max_zoom": 22})
    return layer


def _rows(layer) -> int:
    from layers.registry import get_kind

    return get_kind(layer.kind).features(layer).count()


def _loaded(layer, source: str, started_at: float, what: str) -> None:
    from layers.models import Layer

    # Recorded only once the import committed: a run cut short imports again next time.
    Layer.objects.filter(pk=layer.pk).update(source=source)
    print(f"  {layer.slug}: imported {_rows(layer):,} {what} from {source} in "
          f"{time.perf_counter() - started_at:.0f} s")


def load_parcels(count: int):
    from layers.importing import ImportOptions, import_file

    path = parcels_file(count)
    layer = _layer(PARCELS, "land_parcel", "bench: generated parcels")
    if layer.source == path.name and _rows(layer):
        print(f"  {layer.slug}: {_rows(layer):,} parcels already loaded from {path.name}")
        return layer
    started_at = time.perf_counter()
    import_file(layer, path, ImportOptions(source_layer="land_parcel"))
    _loaded(layer, path.name, started_at, "parcels")
    return layer


def load_buildings():
    from django.conf import settings

    from layers.importing import ImportOptions, import_file

    source = "osm buildings: " + " + ".join(name for name, _ in OSM_DISTRICTS)
    layer = _layer(BUILDINGS, "plan_zone", "bench: OSM buildings")
    if layer.source == source and _rows(layer):
        print(f"  {layer.slug}: {_rows(layer):,} buildings already loaded ({source})")
        return layer
    started_at = time.perf_counter()
    for index, (name, zone_code) in enumerate(OSM_DISTRICTS):
        options = ImportOptions(source_layer="buildings", mapping={"function": "building"},
                                constants={"plan_level": "osm", "zone_code": zone_code})
        if index:
            # Added to the first district's: keyed by OSM way id, which cannot meet the first file's row numbers.
            options.mode = "upsert"
            options.mapping["ext_id"] = "osm_way_id"
        import_file(layer, settings.SHARED_DATA_DIR / "osm" / f"{name}.gpkg", options)
    _loaded(layer, source, started_at, "buildings")
    return layer


def _analyze(*tables: str) -> None:
    from django.db import connection
    from psycopg import sql

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


# ---------------------------------------------------------------- the tile list


def _tile_of(mx: float, my: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((mx + HALF_WORLD) / (2 * HALF_WORLD) * n)
    y = int((HALF_WORLD - my) / (2 * HALF_WORLD) * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _sample(dataset: str, layer, per_zoom: int, rng: random.Random) -> list[Case]:
    """Per zoom, per_zoom tiles drawn among those holding at least one of a fixed sample of features."""
    from django.db import connection
    from psycopg import sql

    from layers.registry import get_kind

    kind = get_kind(layer.kind)
    every = max(1, _rows(layer) // SAMPLE_FEATURES)
    with connection.cursor() as cursor:
        # A hash of the feature's key picks the sample: the same features whatever their ids or row order.
        cursor.execute(sql.SQL(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom_3857) AS p FROM {} "
            "WHERE layer_id = %s AND hashtext(ext_id) %% %s = 0) AS s ORDER BY 1, 2"
        ).format(sql.Identifier(kind.table)), [layer.pk, every])
        points = cursor.fetchall()
    properties = ",".join(kind.column(name).write_column for name in kind.tile_columns)
    cases = []
    for z in ZOOMS:
        candidates = sorted({_tile_of(mx, my, z) for mx, my in points})
        for x, y in sorted(rng.sample(candidates, min(per_zoom, len(candidates)))):
            cases.append(Case(dataset, layer.kind, layer.slug, layer.pk, kind.table, properties, z, x, y))
    return cases


# ---------------------------------------------------------------- (a) the raw SQL floor


def tile_statements(cases: list[Case]) -> list[tuple[str, list]]:
    """The service's tile_statement() for each case, as text and parameters."""
    from layers.registry import get_kind
    from layers.tiles.service import FEATURE_CAP
    from layers.tiles.tile_sql import TileLayer, tile_statement

    statements = []
    for case in cases:
        statement, params = tile_statement([TileLayer(case.slug, case.layer_id, get_kind(case.kind), FEATURE_CAP)],
                                           case.z, case.x, case.y)
        statements.append((statement.decode(), params))
    return statements


def raw_floor(statements: list[tuple[str, list]]) -> tuple[Pass, list[bytes], list[float]]:
    """Each statement on a plain psycopg connection with the lean path's session options: no Django, no HTTP,
    no gzip.

    One untimed pass first, so that (a) meets the warm database (b), (c) and (d) meet after it.
    Returns the timed pass, the tiles, and the seconds the service's gzip (layers.tiles.service.compress) takes
    on each.
    """
    import psycopg

    from layers.tiles.service import compress
    from layers.tiles.tile_sql import SESSION_OPTIONS

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, options=SESSION_OPTIONS) as conn:
        for text, params in statements:
            conn.execute(text, params, binary=True).fetchone()
        seconds, tiles = [], []
        for text, params in statements:
            started_at = time.perf_counter()
            tile = bytes(conn.execute(text, params, binary=True).fetchone()[0] or b"")
            seconds.append(time.perf_counter() - started_at)
            tiles.append(tile)
    zipping = []
    for tile in tiles:
        started_at = time.perf_counter()
        compress(tile)
        zipping.append(time.perf_counter() - started_at)
    return Pass(seconds, [len(t) for t in tiles]), tiles, zipping


def interleaved_pass(port: int, paths: list[str], statements: list[tuple[str, list]]) -> tuple[Pass, list[Reply]]:
    """(a) and (b) tile by tile: each tile's raw SQL, then the same tile from our server, one after the other.

    Timed apart, minutes separate the two passes, and on a shared machine the load of those minutes decides
    more of their ratio than the server does.
    """
    import http.client

    import psycopg

    from layers.tiles.tile_sql import SESSION_OPTIONS

    from .servers import HEADERS, LOOPBACK

    seconds, replies = [], []
    http_conn = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, options=SESSION_OPTIONS) as conn:
        for text, params in statements:  # warm: prepared statements, cached pages
            conn.execute(text, params, binary=True).fetchone()
        try:
            for path, (text, params) in zip(paths, statements, strict=True):
                started_at = time.perf_counter()
                conn.execute(text, params, binary=True).fetchone()
                seconds.append(time.perf_counter() - started_at)
                started_at = time.perf_counter()
                http_conn.request("GET", path, headers=HEADERS)
                response = http_conn.getresponse()
                body = response.read()
                replies.append(Reply(response.status, body, response.getheader("Content-Encoding", ""),
                                     time.perf_counter() - started_at))
        finally:
            http_conn.close()
    return Pass(seconds), replies


def raw_throughput(statements: list[tuple[str, list]], *, connections: int, seconds: int) -> float:
    """(a) under load: as many psycopg connections as wrk opens, each walking its own stride of the
    statements for the given seconds, with nothing but the SQL in between; tiles per second."""
    import psycopg

    from layers.tiles.tile_sql import SESSION_OPTIONS

    conns = [psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, options=SESSION_OPTIONS)
             for _ in range(connections)]
    done = [0] * connections
    deadline = time.perf_counter() + seconds

    def walk(k: int) -> None:
        index = k
        while time.perf_counter() < deadline:
            text, params = statements[index % len(statements)]
            conns[k].execute(text, params, binary=True).fetchone()
            done[k] += 1
            index += connections

    try:
        started_at = time.perf_counter()
        deadline = started_at + seconds
        threads = [threading.Thread(target=walk, args=(k,)) for k in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / (time.perf_counter() - started_at)
    finally:
        for conn in conns:
            conn.close()


def _pg_sessions() -> int:
    """Sessions ever opened on this database (PostgreSQL 14+), by anyone."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def _new_session_ms() -> tuple[float, float]:
    """p50 of opening a session (connect, log in) and of its first PostGIS call (the library loads per session)."""
    import psycopg

    opening, first_call = [], []
    for _ in range(10):
        started_at = time.perf_counter()
        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            opened_at = time.perf_counter()
            conn.execute("SELECT postgis_lib_version()").fetchone()
            first_call.append(time.perf_counter() - opened_at)
        opening.append(opened_at - started_at)
    return _pct(opening, 0.5), _pct(first_call, 0.5)


# ---------------------------------------------------------------- servers


def _forget_cached_tiles(layer_ids: set[int]) -> int:
    """Drop the cached tiles of these layers only: the same Redis database holds Celery's queues."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    # Keys are portal:tile:{id}.{version}+…:{z}/{x}/{y}; the bench asks for one layer at a time.
    keys = [key for layer_id in sorted(layer_ids)
            for key in client.scan_iter(match=f"portal:tile:{layer_id}.*", count=1000)]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])
    return len(keys)


def _portal_env(redis_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, DEBUG="0", DJANGO_SETTINGS_MODULE="portal.settings.dev", PYTHONUNBUFFERED="1")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _tipg_env(tables: list[str]) -> dict[str, str]:
    quoted = ",".join(f'"public.{table}"' for table in tables)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f"[{quoted}]",
        "TIPG_DB_SPATIAL_EXTENT": "false",  # the catalogue's extents are not what is measured
        "TIPG_DB_DATETIME_EXTENT": "false",
        # Our tiles' buffer and cap, so both draw the same features.
        "TIPG_TILE_BUFFER": "64",
        "TIPG_MAX_FEATURES_PER_TILE": "20000",
    }


def ensure_tipg() -> str:
    """tipg from PyPI in its own venv under .data/bench; returns its python."""
    python = TIPG_VENV / "bin" / "python"
    wanted = [TIPG, TIPG_UVICORN, *TIPG_SERVER_EXTRAS]
    check = [str(python), "-c",
             "import tipg, uvicorn, uvloop, httptools; print(f'tipg=={tipg.__version__} uvicorn=={uvicorn.__version__} "
             "uvloop=={uvloop.__version__} httptools=={httptools.__version__}')"]
    if python.exists():
        found = subprocess.run(check, capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.split() == wanted:
            return str(python)
    print(f"  installing {' '.join(wanted)} into {TIPG_VENV.relative_to(ROOT)}")
    subprocess.run(["python3", "-m", "venv", "--clear", str(TIPG_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted], check=True)
    return str(python)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    print("  installing Debian's wrk")
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)


def _seconds(replies: list[Reply]) -> Pass:
    return Pass([r.seconds for r in replies], [len(r.body) for r in replies])


def _check_ours(cases: list[Case], replies: list[Reply], tiles: list[bytes], label: str) -> None:
    """Our endpoint must send exactly the floor's tiles, gzipped; an empty tile is a 204."""
    wrong = []
    for case, reply, tile in zip(cases, replies, tiles, strict=True):
        body = gzip.decompress(reply.body) if reply.content_encoding == "gzip" else reply.body
        if reply.status not in (200, 204) or body != tile:
            wrong.append(f"{case.ours} -> {reply.status}, {len(body)} bytes (floor: {len(tile)})")
    if wrong:
        raise RuntimeError(f"{label}: {len(wrong)} tiles differ from the raw SQL's, e.g. " + "; ".join(wrong[:3]))


def _features(tile: bytes) -> int:
    import mapbox_vector_tile

    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(tile).values()) if tile else 0


def _compare_tipg(replies: list[Reply], tiles: list[bytes]) -> str:
    bad = [r.status for r in replies if r.status not in (200, 204)]
    if bad:
        raise RuntimeError(f"tipg answered {len(bad)} tiles with an error, e.g. HTTP {bad[0]}")
    theirs = ours = same = 0
    for reply, tile in zip(replies, tiles, strict=True):
        body = gzip.decompress(reply.body) if reply.content_encoding == "gzip" else reply.body
        a, b = _features(tile), _features(body)
        ours, theirs, same = ours + a, theirs + b, same + (a == b)
    return f"features in all tiles: ours {ours:,}, tipg {theirs:,}; same count in {same}/{len(tiles)} tiles"


# ---------------------------------------------------------------- report


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else float("nan")


LABELS = {"a": "a raw SQL", "b": "b ours uncached", "c": "c ours cached", "d": "d tipg"}


def _print_latency(results: Results, zipping: list[float]) -> None:
    cases, passes = results.cases, results.passes
    shown = [key for key in LABELS if key in passes]
    groups: list[tuple[str, list[int]]] = []
    for dataset in ("parcels", "buildings"):
        for z in ZOOMS:
            idx = [i for i, c in enumerate(cases) if c.dataset == dataset and c.z == z]
            if idx:
                groups.append((f"{dataset:<9} z{z}", idx))
    groups += [(f"{which} tiles", idx) for which, idx in results.lists.items()]
    print("\nlatency per tile, one keep-alive client, ms: p50 / p95")
    print(f"  {'tiles':<13} {'n':>4} {'MVT KB':>7} {'gzip ms':>8}" + "".join(f" {LABELS[k]:>17}" for k in shown))
    sizes = passes["a"].sizes
    for name, idx in groups:
        row = f"  {name:<13} {len(idx):>4} {sum(sizes[i] for i in idx) / len(idx) / 1024:>7.1f}"
        row += f" {_pct([zipping[i] for i in idx], 0.5):>8.2f}"
        for key in shown:
            values = [passes[key].seconds[i] for i in idx]
            row += f" {_pct(values, 0.5):>8.2f} /{_pct(values, 0.95):>7.2f}"
        print(row)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _print_throughput(results: Results, threads: int, connections: int, seconds: int, runs: int) -> None:
    loads = results.loads
    print(f"\nthroughput: wrk -t{threads} -c{connections} -d{seconds}s on 127.0.0.1 cycling through a list, the median "
          f"of {runs} runs (b's and d's taking turns), tiles/s served (wrk's p50 ms; answers with an error status, "
          f"socket errors)")
    if any(w > 1 for _, _, w in loads):
        print("  (more than 1 worker: uvicorn's shared listener is bound as an IPPROTO_TCP socket, see the notes)")
    keys = [k for k in "bcd" if any(key == k for _, key, _ in loads)]
    print(f"  {'tiles':<8} {'workers':>7}" + "".join(f" {LABELS[k]:>27}" for k in keys))
    for which in results.lists:
        for w in sorted({w for name, _, w in loads if name == which}):
            row = f"  {which:<8} {w:>7}"
            for key in keys:
                load = loads.get((which, key, w))
                cell = "-"
                if load:
                    cell = f"{load.per_second:,.0f} ({load.p50_ms:.0f} ms; {load.http_errors}, {load.errors})"
                row += f" {cell:>27}"
            print(row)
    if any(load.http_errors for load in loads.values()):
        print(f"  (error statuses: the servers' logs are in {CACHE.relative_to(ROOT)}/*.log)")
    if results.raw:
        print(f"  a raw SQL alone, {connections} psycopg connections for {seconds} s (median of {runs}), no HTTP: "
              + ", ".join(f"{which} {rate:,.0f} tiles/s" for which, rate in results.raw.items()))


def _print_goals(results: Results) -> None:
    passes, loads = results.passes, results.loads
    print("\ngoals")
    for which, idx in results.lists.items():
        a50 = _pct([passes["a"].seconds[i] for i in idx], 0.5)
        b50 = _pct([passes["b"].seconds[i] for i in idx], 0.5)
        limit = 1.2 * a50 + 1
        print(f"  {which} tiles: b p50 <= 1.2 x a p50 + 1 ms: {b50:.2f} ms vs {limit:.2f} ms "
              f"(b/a {b50 / a50:.1f}x)  {_verdict(b50 <= limit)}")
        for w in sorted({w for name, key, w in loads if name == which and key == "b"}):
            b, c, d = (loads.get((which, key, w)) for key in "bcd")
            if d is not None:
                ratio = b.per_second / d.per_second if d.per_second else float("inf")
                ceiling = results.raw.get(which, float("nan")) / d.per_second if d.per_second else float("inf")
                print(f"  {which} tiles, {w} worker(s): b tiles/s >= 5 x d: {b.per_second:,.0f} vs "
                      f"{d.per_second:,.0f} ({ratio:.2f}x; the raw SQL alone: {ceiling:.1f}x)  "
                      f"{_verdict(ratio >= 5)}")
            if c is not None:
                ratio = c.per_second / b.per_second if b.per_second else float("inf")
                print(f"  {which} tiles, {w} worker(s): c tiles/s >= 2 x b: {c.per_second:,.0f} vs "
                      f"{b.per_second:,.0f} ({ratio:.2f}x)  {_verdict(ratio >= 2)}")


# ---------------------------------------------------------------- the servers' rounds

PROBE = f"/tiles/{BUILDINGS}.json"


def _portal(name: str, count: int, *, nodelay: bool = True, redis_url: str | None = None):
    port = free_port()
    return port, started(name, uvicorn("portal.asgi:application", python=sys.executable, port=port, workers=count,
                                       nodelay=nodelay),
                         env=_portal_env(redis_url), cwd=ROOT, log_dir=CACHE, ready=partial(answers, port, PROBE))


def _ours_cached(results: Results, count: int, load_kw: dict) -> None:
    """With the tile cache: the latency passes (b, then c) on the first server, then c's wrk runs."""
    cases, ours = results.cases, [c.ours for c in results.cases]
    port, server = _portal(f"portal-{count}w", count)
    with server:
        timed_pass(port, ours)  # warms the workers and fills the cache
        if "b" not in results.passes:
            dropped = _forget_cached_tiles({c.layer_id for c in cases})
            print(f"  tile cache: dropped the bench layers' {dropped} keys before the uncached pass")
            raw, replies = interleaved_pass(port, ours, results.statements)
            _check_ours(cases, replies, results.tiles, "b")
            # The floor, timed tile by tile beside b so that both meet the same load.
            results.passes["a"] = Pass(raw.seconds, results.passes["a"].sizes)
            results.passes["b"] = _seconds(replies)
            sessions = _pg_sessions()
            replies = timed_pass(port, ours)
            sessions = _pg_sessions() - sessions - 1  # less the one counting
            _check_ours(cases, replies, results.tiles, "c")
            results.passes["c"] = _seconds(replies)
            bare = timed_pass(port, [f"/tiles/{PARCELS}/z/0/0.mvt"] * 100)
            results.notes.append(f"Django's request path alone, a 400 before any database or cache: p50 "
                                 f"{_pct([r.seconds for r in bare], 0.5):.2f} ms")
            opening, first_call = _new_session_ms()
            results.notes.append(f"PostgreSQL sessions opened during the cached pass: {sessions} for {len(ours)} "
                                 f"requests; opening one takes p50 {opening:.1f} ms, and its first PostGIS call "
                                 f"{first_call:.1f} ms more")
        for which in results.lists:
            results.loads[which, "c", count] = _median_wrk(port, results.paths(which, "ours"),
                                                       script=CACHE / "tiles-ours.lua", **load_kw)
        if count > 1:
            fixed = timed_pass(port, ours[:STALL_PROBE])
    if count > 1:
        # The same server as the Dockerfile starts it, to show what the rebound listener saves.
        port, server = _portal(f"portal-{count}w-stock", count, nodelay=False)
        with server:
            timed_pass(port, ours[:STALL_PROBE])
            stock = timed_pass(port, ours[:STALL_PROBE])
        results.notes.append(f"uvicorn --workers {count} as shipped, {len(stock)} cached tiles: p50 "
                             f"{_pct([r.seconds for r in stock], 0.5):.2f} ms; with its listener made an "
                             f"IPPROTO_TCP socket so that TCP_NODELAY is set (as in the throughput rows): "
                             f"{_pct([r.seconds for r in fixed], 0.5):.2f} ms")


def _uncached_and_tipg(results: Results, count: int, tipg_python: str, load_kw: dict) -> None:
    """b and d, both servers up at once and their wrk runs taking turns (b, d, b, d…): this machine's speed drifts
    by a quarter over minutes (a VM's neighbours), which had moved the b/d ratio as much as the code did."""
    redis_port = free_port()
    port, ours = _portal(f"portal-uncached-{count}w", count, redis_url=f"redis://127.0.0.1:{redis_port}/0")
    with ExitStack() as stack:
        stack.enter_context(started(f"redis-miss-{count}w", miss_only_redis(redis_port), env=dict(os.environ),
                                    cwd=CACHE, log_dir=CACHE, ready=partial(_redis_up, redis_port)))
        stack.enter_context(ours)
        timed_pass(port, [c.ours for c in results.cases[:20]])
        servers = [("b", port, "ours")]
        if tipg_python:
            servers.append(("d", stack.enter_context(_tipg(results, count, tipg_python)), "tipg"))
        runs = load_kw["runs"]
        kw = {key: value for key, value in load_kw.items() if key != "runs"}
        for which in results.lists:
            loads: dict[str, list[Load]] = {label: [] for label, _, _ in servers}
            for _ in range(runs):
                for label, server_port, name in servers:
                    loads[label].append(wrk(server_port, results.paths(which, name),
                                            script=CACHE / f"tiles-{name}.lua", **kw))
            for label, runs_of in loads.items():
                results.loads[which, label, count] = _median(runs_of)


@contextmanager
def _tipg(results: Results, count: int, python: str) -> Iterator[int]:
    """tipg serving the bench tables, warmed; yields its port. Its first start also times its latency pass."""
    theirs = [c.tipg for c in results.cases]
    port = free_port()
    with started(f"tipg-{count}w", uvicorn("tipg.main:app", python=python, port=port, workers=count),
                 env=_tipg_env(sorted({c.table for c in results.cases})), cwd=CACHE, log_dir=CACHE,
                 ready=partial(answers, port, "/healthz")):
        replies = timed_pass(port, theirs)  # warms its pool and its catalogue
        if "d" not in results.passes:
            print(f"  tipg: {_compare_tipg(replies, results.tiles)}")
            results.passes["d"] = _seconds(timed_pass(port, theirs))
        yield port


def _median_wrk(port: int, paths: list[str], *, runs: int, **kw) -> Load:
    """The median of `runs` wrk runs: each run opens its connections anew, and how the kernel spreads them over
    a multi-worker server's processes moved single runs by a third either way on this machine (ours and tipg's)."""
    return _median([wrk(port, paths, **kw) for _ in range(runs)])


def _median(loads: list[Load]) -> Load:
    return sorted(loads, key=lambda load: load.per_second)[len(loads) // 2]


def _redis_up(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# ---------------------------------------------------------------- the run


def _kb(tiles: list[bytes], idx: list[int]) -> float:
    return sum(len(tiles[i]) for i in idx) / len(idx) / 1024


def run(parcels: int, *, per_zoom: int = 60, buildings_per_zoom: int = 12, workers: tuple[int, ...] = (1, 2),
        seconds: int = 10, threads: int = 2, connections: int = 16, tipg: bool = True, runs: int = 3) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()

    print(f"vector tiles ({os.cpu_count()} cores; servers and load on 127.0.0.1)")
    ensure_wrk()
    tipg_python = ensure_tipg() if tipg else ""
    parcels_layer = load_parcels(parcels)
    buildings_layer = load_buildings()
    _analyze("layers_landparcel", "layers_planzone")

    rng = random.Random(SEED)  # noqa: S311 - a reproducible draw, not a secret
    cases = _sample("parcels", parcels_layer, per_zoom, rng) + _sample("buildings", buildings_layer,
                                                                       buildings_per_zoom, rng)
    rng.shuffle(cases)  # zooms and layers interleaved, as a map pans and zooms
    for dataset in ("parcels", "buildings"):
        per = {z: sum(1 for c in cases if c.dataset == dataset and c.z == z) for z in ZOOMS}
        print(f"  tiles over {dataset}: " + ", ".join(f"z{z} {n}" for z, n in per.items()))

    statements = tile_statements(cases)
    a, tiles, zipping = raw_floor(statements)
    print(f"  raw SQL: {len(tiles)} tiles, {sum(map(len, tiles)) / 1e6:.1f} MB of MVT, "
          f"{sum(1 for t in tiles if not t)} empty")
    # "small": the OSM buildings' tiles and the parcels' z17. "osm z16+": the OSM buildings' z16-z17 tiles, the
    # kind the reference figures are for (small OSM tiles, about 0.2 ms of SQL each on its machine).
    small = [i for i, c in enumerate(cases) if c.dataset == "buildings" or c.z == max(ZOOMS)]
    osm = [i for i, c in enumerate(cases) if c.dataset == "buildings" and c.z >= 16]
    results = Results(cases, tiles, {"all": list(range(len(cases))), "small": small, "osm z16+": osm}, {"a": a},
                      statements=statements)
    print(f"  throughput lists: all {len(cases)} tiles; small {len(small)} (OSM buildings z12-z17 and parcels "
          f"z{max(ZOOMS)}, {_kb(tiles, small):.1f} KB of MVT on average); osm z16+ {len(osm)} (OSM buildings "
          f"z16-z17, {_kb(tiles, osm):.1f} KB)")

    for which, idx in results.lists.items():
        rates = sorted(raw_throughput([statements[i] for i in idx], connections=connections, seconds=seconds)
                       for _ in range(runs))
        results.raw[which] = rates[len(rates) // 2]
    load_kw = {"threads": threads, "connections": connections, "seconds": seconds, "runs": runs}
    for count in workers:
        _ours_cached(results, count, load_kw)
        _uncached_and_tipg(results, count, tipg_python, load_kw)

    _forget_cached_tiles({c.layer_id for c in cases})  # ~75 MB at 1M parcels, not worth keeping for a day
    _print_latency(results, zipping)
    _print_throughput(results, threads, connections, seconds, runs)
    _print_goals(results)
    print("\nwhere our time goes")
    for note in results.notes:
        print(f"  {note}")
