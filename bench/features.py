"""OGC API Features, 1,000 features a page: our /ogcapi items against tipg's over the same rows, one run.

Two lists of pages over the generated parcels the tile benchmark loads: boxes (a z15 tile's extent in
longitude/latitude, `bbox=`) and plain paging deep into the layer (`offset=`). Each page is asked once on
one keep-alive client, after an untimed warm-up pass; p50/p95 per list and the ratio to tipg are printed.
Both answer GeoJSON with the same properties of the same layer's rows.
"""

import gzip
import json
import math
import os
import random
import sys
from functools import partial

from .import_parcels import CACHE, ROOT
from .servers import answers, free_port, started, timed_pass, uvicorn
from .tiles import HALF_WORLD, SEED, _pct, _portal_env, _tipg_env, ensure_tipg, load_parcels

LIMIT = 1000


def _boxes(layer, count: int, rng: random.Random) -> list[tuple[float, float, float, float]]:
    """Extents of z15 tiles around sampled parcels, in longitude/latitude."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom_3857) AS p "
                       "FROM layers_landparcel WHERE layer_id = %s AND hashtext(ext_id) %% 500 = 0) s ORDER BY 1, 2",
                       [layer.pk])
        points = cursor.fetchall()
    size = 2 * HALF_WORLD / 2**15
    boxes = []
    for mx, my in rng.sample(points, min(count, len(points))):
        x0 = math.floor((mx + HALF_WORLD) / size) * size - HALF_WORLD
        y0 = math.floor((my + HALF_WORLD) / size) * size - HALF_WORLD
        lon = lambda m: m / HALF_WORLD * 180  # noqa: E731
        lat = lambda m: math.degrees(2 * math.atan(math.exp(m / 6378137.0)) - math.pi / 2)  # noqa: E731
        boxes.append((lon(x0), lat(y0), lon(x0 + size), lat(y0 + size)))
    return boxes


def _features(reply) -> int:
    body = gzip.decompress(reply.body) if reply.content_encoding == "gzip" else reply.body
    return len(json.loads(body)["features"])


def run(parcels: int, *, pages: int = 40, tipg: bool = True) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from layers.registry import get_kind

    print(f"OGC API Features, {LIMIT} features a page ({os.cpu_count()} cores; servers on 127.0.0.1)")
    tipg_python = ensure_tipg() if tipg else ""
    layer = load_parcels(parcels)
    kind = get_kind(layer.kind)
    rng = random.Random(SEED)  # noqa: S311 - a reproducible draw
    boxes = _boxes(layer, pages, rng)
    total = kind.features(layer).count()
    offsets = sorted(rng.sample(range(max(total - LIMIT, 1)), min(pages, max(total - LIMIT, 1))))
    properties = ",".join(c.write_column for c in kind.columns if c.public) + ",area_m2"
    bbox = [",".join(f"{v:.7f}" for v in box) for box in boxes]
    ours = {"bbox": [f"/ogcapi/collections/{layer.slug}/items?f=json&limit={LIMIT}&bbox={b}" for b in bbox],
            "offset": [f"/ogcapi/collections/{layer.slug}/items?f=json&limit={LIMIT}&offset={o}" for o in offsets]}
    base = f"/collections/public.{kind.table}/items?limit={LIMIT}&layer_id={layer.pk}&properties={properties}"
    theirs = {"bbox": [f"{base}&bbox={b}" for b in bbox], "offset": [f"{base}&offset={o}" for o in offsets]}

    results: dict[str, dict[str, list]] = {"ours": {}, "tipg": {}}
    port = free_port()
    with started("features-portal", uvicorn("portal.asgi:application", python=sys.executable, port=port,
                                            workers=1), env=_portal_env(), cwd=ROOT, log_dir=CACHE,
                 ready=partial(answers, port, "/ogcapi/")):
        for which, paths in ours.items():
            timed_pass(port, paths)
            results["ours"][which] = timed_pass(port, paths)
    if tipg:
        port = free_port()
        with started("features-tipg", uvicorn("tipg.main:app", python=tipg_python, port=port, workers=1),
                     env=_tipg_env([kind.table]), cwd=CACHE, log_dir=CACHE, ready=partial(answers, port, "/healthz")):
            for which, paths in theirs.items():
                timed_pass(port, paths)
                results["tipg"][which] = timed_pass(port, paths)

    print(f"  {'pages':<8} {'n':>4} {'features/page':>14} {'ours p50 / p95 ms':>20} {'tipg p50 / p95 ms':>20} "
          f"{'ours/tipg p50':>14}")
    for which in ours:
        mine = results["ours"][which]
        bad = [r.status for r in mine if r.status != 200]
        if bad:
            raise RuntimeError(f"our {which} pages: HTTP {bad[0]} for {len(bad)} of them")
        counts = [_features(r) for r in mine]
        ours_ms = [r.seconds for r in mine]
        row = (f"  {which:<8} {len(mine):>4} {sum(counts) / len(counts):>14.0f} "
               f"{_pct(ours_ms, 0.5):>9.1f} /{_pct(ours_ms, 0.95):>8.1f}")
        if which in results["tipg"]:
            other = results["tipg"][which]
            theirs_counts = [_features(r) if r.status == 200 else -1 for r in other]
            tipg_ms = [r.seconds for r in other]
            row += (f" {_pct(tipg_ms, 0.5):>9.1f} /{_pct(tipg_ms, 0.95):>8.1f} "
                    f"{_pct(ours_ms, 0.5) / _pct(tipg_ms, 0.5):>13.2f}x")
            same = sum(a == b for a, b in zip(counts, theirs_counts, strict=True))
            row += f"   (same feature count in {same}/{len(counts)} pages)"
        print(row)
