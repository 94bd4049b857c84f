"""Planning lookups on N generated parcels, against the bare SQL of the same lookup, in the same run.

(a) bare SQL: the lookup's own statements (find the parcel, its columns, commune, zones, networks, canals) run on
    a psycopg connection and fetched, nothing else;
(b) our endpoint: GET /api/planning/lookup through the whole Django request in this process (URL routing, auth,
    validation, the core, the response schema, JSON) — server-side time, no socket.
Each sample runs (a) and (b) back to back, alternating which goes first. Then the planner's overlay statistics
over every parcel (goal < 5 s) and the planning sheet PDF (goal < 1 s).

Data: the generator's GeoPackage of bench/import_parcels.py (parcels, zones, networks, canals of one province),
the parcels imported as the tiles benchmark imports them (the same layer, reused when it is there).
"""

import os
import random
import statistics
import time
from pathlib import Path

from .import_parcels import parcels_file

LAYERS = {"plan_zone": "bench-plan-zones", "network_node": "bench-plan-nodes",
          "network_segment": "bench-plan-segments", "irrigation_work": "bench-plan-works",
          "canal": "bench-plan-canals"}
SEED = 20_251_201
GOAL_P95_MS = 30.0
GOAL_OVERLAY_S = 5.0
GOAL_PDF_S = 1.0
PLANNER = "bench-planner"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _prepare_database() -> None:
    from django.core.management import call_command

    from portal.demo import load_admin_units, load_org_units

    call_command("migrate", verbosity=0, interactive=False)
    boundaries = Path(os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
    load_admin_units(boundaries / "boundaries", lambda line: None)
    load_org_units()  # the networks name their operators


def _ensure_communes(layer) -> None:
    """Parcels imported before the communes were loaded have none: place them, as the importer would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE commune_id IS NOT NULL), count(*) FROM layers_landparcel "
                       "WHERE layer_id = %s", [layer.pk])
        placed, total = cursor.fetchone()
        if total and placed == 0:
            started = time.perf_counter()
            cursor.execute("""
                UPDATE layers_landparcel AS p SET commune_id = u.id
                  FROM layers_adminunit AS u
                 WHERE p.layer_id = %s AND u.level = 'commune' AND u.valid_to IS NULL
                   AND u.geom && p.geom AND ST_Covers(u.geom, ST_PointOnSurface(p.geom))""", [layer.pk])
            print(f"  placed {cursor.rowcount:,} parcels in their communes in {time.perf_counter() - started:.0f} s")


def _load_plan_layers(path: Path) -> dict:
    """Zones, networks and canals of the same generated province, with a decision for every zone's number."""
    import pyogrio

    from layers.importing import ImportOptions, import_file
    from layers.models import Layer, PlanDecision

    numbers = set(pyogrio.read_dataframe(path, layer="plan_zone", columns=["decision_number"],
                                         read_geometry=False)["decision_number"].dropna())
    for number in sorted(numbers):
        PlanDecision.objects.get_or_create(number=number, defaults={
            "signed_on": "2018-01-01", "effective_from": "2018-01-15", "authority": "UBND tỉnh Ninh Thuận",
            "title": "bench", "plan_level": "1/2000", "status": "in_force"})
    layers = {}
    for kind, slug in LAYERS.items():  # nodes before segments, works before canals: the importer joins them
        layer, _ = Layer.objects.update_or_create(slug=slug, defaults={
            "kind": kind, "title_vi": f"bench: {kind}", "title_en": f"bench: {kind}", "theme": "planning",
            "visibility": Layer.Visibility.PUBLIC})
        if layer.source != path.name:
            started = time.perf_counter()
            report = import_file(layer, path, ImportOptions(source_layer=kind))
            Layer.objects.filter(pk=layer.pk).update(source=path.name)
            print(f"  {slug}: imported {report.created + report.updated:,} in {time.perf_counter() - started:.0f} s")
        layers[kind] = layer
    return layers


def _samples(layer, count: int) -> list[dict]:
    """Parcels drawn by a hash of their key (the same ones every run), whose numbers are unique in their commune."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT p.id, ST_X(s.pt), ST_Y(s.pt), u.code, p.sheet_no, p.parcel_no
              FROM layers_landparcel AS p
              JOIN layers_adminunit AS u ON u.id = p.commune_id
             CROSS JOIN LATERAL (SELECT ST_PointOnSurface(p.geom) AS pt) AS s
             WHERE p.layer_id = %s AND abs(hashtext(p.ext_id)) %% 97 = 0
               AND (SELECT count(*) FROM layers_landparcel AS q WHERE q.commune_id = p.commune_id
                      AND q.sheet_no = p.sheet_no AND q.parcel_no = p.parcel_no) = 1
             ORDER BY hashtext(p.ext_id) LIMIT %s""", [layer.pk, count])
        return [{"id": r[0], "lon": r[1], "lat": r[2], "commune": r[3], "sheet_no": r[4], "parcel_no": r[5]}
                for r in cursor.fetchall()]


def _bare_click(conn, scope, sample: dict, day) -> None:
    from geoprocessing.sqlfiles import cursor, statement

    with cursor(conn) as cur:
        cur.execute(statement("parcel_at"), {"lon": sample["lon"], "lat": sample["lat"],
                                             "layers": list(scope.parcel_layers)})
        parcel_id = cur.fetchone()[0]
    _bare_answer(conn, scope, parcel_id, day)


def _bare_number(conn, scope, sample: dict, day) -> None:
    from geoprocessing.communes import commune_keys
    from geoprocessing.sqlfiles import cursor, statement

    with cursor(conn) as cur:
        cur.execute(statement("communes_matching"), {"text": sample["commune"],
                                                     "names": commune_keys(sample["commune"])})
        direct = [r[0] for r in cur.fetchall()]
        cur.execute(statement("communes_linked"), {"ids": direct})
        linked = [r[0] for r in cur.fetchall()]
        cur.execute(statement("parcel_by_number"), {"communes": linked, "direct": direct,
                                                    "sheets": [sample["sheet_no"]], "parcels": [sample["parcel_no"]],
                                                    "layers": list(scope.parcel_layers)})
        parcel_id = cur.fetchone()[0]
    _bare_answer(conn, scope, parcel_id, day)


def _bare_answer(conn, scope, parcel_id: int, day) -> None:
    from geoprocessing.sqlfiles import serial, statement

    with serial(conn) as cur:  # as the lookup runs them: one transaction, no parallel workers
        cur.execute(statement("parcel_detail"), {"parcel": parcel_id})
        cur.fetchone()
        cur.execute(statement("zones_of_parcel"), {"parcel": parcel_id, "as_of": day,
                                                   "zone_layers": list(scope.zone_layers)})
        cur.fetchall()
        cur.execute(statement("nearby_parcel"), {"parcel": parcel_id, "distance": 20.0,
                                                 "segment_layers": list(scope.segment_layers),
                                                 "canal_layers": list(scope.canal_layers),
                                                 "work_layers": list(scope.work_layers)})
        cur.fetchall()


def _timed(func) -> float:
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) * 1000


def _lookups(samples: list[dict], client, scope) -> dict[str, tuple[list[float], list[float]]]:
    from django.utils import timezone

    from geoprocessing.adapters import raw_connection

    conn, day = raw_connection(), timezone.localdate()

    def endpoint(params: dict):
        def call():
            response = client.get("/api/planning/lookup", params)
            if response.status_code != 200:
                raise RuntimeError(f"lookup {params} answered {response.status_code}: {response.content[:300]!r}")
        return call

    results = {}
    for name, bare, params_of in (
            ("click (lon/lat)", _bare_click, lambda s: {"lon": s["lon"], "lat": s["lat"]}),
            ("sheet/parcel no.", _bare_number,
             lambda s: {"commune": s["commune"], "sheet_no": s["sheet_no"], "parcel_no": s["parcel_no"]})):
        for sample in samples[:10]:  # warm the caches, the pool and Django's URL resolver
            bare(conn, scope, sample, day)
            endpoint(params_of(sample))()
        a, b = [], []
        for i, sample in enumerate(samples):
            steps = [(a, lambda s=sample, f=bare: f(conn, scope, s, day)), (b, endpoint(params_of(sample)))]
            for sink, step in (steps if i % 2 == 0 else steps[::-1]):
                sink.append(_timed(step))
        results[name] = (a, b)
    return results


def _planner_client():
    from django.test import Client

    from portal.accounts.models import OrgUnit, User
    from portal.accounts.roles import PLANNER, sync_roles
    from portal.accounts.services import do_create_user

    sync_roles()
    user = User.objects.filter(username=PLANNER).first() or do_create_user(
        username=PLANNER, password=os.urandom(16).hex(), roles=[PLANNER],
        org_unit=OrgUnit.objects.filter(code="so-xay-dung").first())
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client, user


def _overlay(client, scope) -> list[tuple[str, float, float]]:
    from django.utils import timezone

    from geoprocessing import queries
    from geoprocessing.adapters import raw_connection

    conn, day = raw_connection(), timezone.localdate()
    rows = []
    for name, core, path in (
            ("by commune", lambda: queries.overlay_by_commune(conn, scope=scope, as_of=day), "by=commune"),
            ("by zone", lambda: queries.overlay_by_zone(conn, scope=scope, as_of=day), "by=zone")):
        core_s = min(_timed(core) for _ in range(2)) / 1000
        api_s = min(_timed(lambda p=path: client.get(f"/api/queries/overlay?{p}")) for _ in range(2)) / 1000
        rows.append((name, core_s, api_s))
    return rows


def _sheets(client, samples: list[dict]) -> list[float]:
    from geoprocessing.services import SHEET_LIMIT

    SHEET_LIMIT.limit = 10**9  # the benchmark is one address asking many times
    seconds = []
    for sample in samples:
        started = time.perf_counter()
        response = client.post("/api/planning/sheets", {"parcel_id": sample["id"]}, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"sheet for {sample['id']} answered {response.status_code}: {response.content[:300]!r}")
        pdf = client.get(response.json()["pdf_url"])
        b"".join(pdf.streaming_content)
        seconds.append(time.perf_counter() - started)
    return seconds


def run(count: int, *, samples: int = 300, sheets: int = 20) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import Client

    from geoprocessing.adapters import lookup_scope
    from geoprocessing.queries_api import planner_scope

    from .tiles import load_parcels

    print(f"planning lookups ({os.cpu_count()} cores; in-process, no socket)")
    _prepare_database()
    path = parcels_file(count)
    parcels_layer = load_parcels(count)
    _ensure_communes(parcels_layer)
    _load_plan_layers(path)
    with connection.cursor() as cursor:
        for table in ("layers_landparcel", "layers_planzone", "layers_networksegment", "layers_canal",
                      "layers_adminunit"):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
    scope = lookup_scope(AnonymousUser())
    drawn = _samples(parcels_layer, samples)
    random.Random(SEED).shuffle(drawn)  # noqa: S311 - a reproducible order, not a secret
    if len(drawn) < 20:
        raise RuntimeError(f"only {len(drawn)} sample parcels have a commune and unique numbers")
    print(f"  {count:,} parcels asked; {len(drawn)} sample parcels; scope: {len(scope.parcel_layers)} parcel, "
          f"{len(scope.zone_layers)} zone, {len(scope.segment_layers)} network layers")

    client = Client(HTTP_HOST="localhost")
    print(f"  {'lookup':<18} {'SQL p50':>8} {'p95':>7} {'ours p50':>9} {'p95':>7} {'p95 ratio':>10} {'goal p95':>9}")
    for name, (bare, ours) in _lookups(drawn, client, scope).items():
        ok = "ok" if _pct(ours, 95) <= GOAL_P95_MS else "MISSED"
        print(f"  {name:<18} {_pct(bare, 50):>6.1f}ms {_pct(bare, 95):>5.1f}ms {_pct(ours, 50):>7.1f}ms "
              f"{_pct(ours, 95):>5.1f}ms {_pct(ours, 95) / _pct(bare, 95):>9.2f}x {GOAL_P95_MS:>6.0f} ms {ok}")

    planner, user = _planner_client()
    print(f"  overlay statistics over every parcel (goal < {GOAL_OVERLAY_S:.0f} s)")
    for name, core_s, api_s in _overlay(planner, planner_scope(user)):
        ok = "ok" if api_s <= GOAL_OVERLAY_S else "MISSED"
        print(f"    {name:<12} core {core_s:>6.2f} s   endpoint {api_s:>6.2f} s   ratio {api_s / core_s:>5.2f}x  {ok}")

    seconds = _sheets(client, drawn[:sheets])
    ok = "ok" if _pct(seconds, 95) <= GOAL_PDF_S else "MISSED"
    print(f"  planning sheet PDF (issue + download), {len(seconds)} sheets: p50 {statistics.median(seconds):.2f} s, "
          f"p95 {_pct(seconds, 95):.2f} s (goal < {GOAL_PDF_S:.0f} s) {ok}")
