"""Incident intake throughput, web + worker on this machine: reports per second through POST /api/incidents/
without media and with one 2 MB photo, against the raw INSERT floor measured in the same run.

Each report goes the whole way an app's does: token auth, checks, admin units, nearest street, routing,
working-day deadline, incident and its submitted event (+ media row and private file), the change announced
on Redis. JSON without a cookie takes the lean ASGI path (incidents/lean.py); a sample of the same report as
multipart goes through Django, for comparison (the web form, Open311 and the hotline use that path).

The floor writes the same rows — an incident with the values intake gives it and its submitted event — by
raw SQL, one statement in autocommit per report, as many connections as clients, on the same database:
what the database alone can take. A burst of N reports must store exactly N incidents and N submitted events,
each with its own tracking code; media must all become ready. The load average is printed before and after:
on a shared 2-core machine, other work moves every number.
"""

import http.client
import io
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

from .import_parcels import CACHE, ROOT
from .servers import LOOPBACK, answers, free_port, started, uvicorn

GOAL_PER_S = 200
QUEUE = "bench-incidents"
CATEGORY = "bench-intake"
PHAN_RANG = (108.9497, 11.5992)
DESCRIPTION = "Ổ gà trước chợ (bench)"


@dataclass
class Burst:
    sent: int
    seconds: float
    statuses: dict[int, int]
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    paths: dict[str, int] = field(default_factory=dict)  # x-intake-path header values (lean, or none: Django)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (f"{self.per_second:,.0f} reports/s ({self.sent} in {self.seconds:.1f} s), latency p50 "
                f"{self.percentile_ms(50):.0f} ms, p95 {self.percentile_ms(95):.0f} ms; statuses {self.statuses}")


def _photo_2mb() -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(8)
    # Noise does not compress: 2 MB of JPEG at this size and quality, like a phone photo.
    pixels = (rng.random((1000, 1340, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85, subsampling=0)
    return out.getvalue()


def _multipart(fields: dict, photo: bytes | None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if photo is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="anh.jpg"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _burst(port: int, key: str, *, count: int, clients: int, photo: bytes | None, multipart: bool = False) -> Burst:
    statuses: dict[int, int] = {}
    paths: dict[str, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    fields = {"category": CATEGORY, "description": DESCRIPTION, "lon": PHAN_RANG[0], "lat": PHAN_RANG[1]}
    if photo is None and not multipart:
        body, content_type = json.dumps(fields).encode(), "application/json"
    else:
        body, content_type = _multipart(fields, photo)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
        for _ in range(n):
            started_at = time.perf_counter()
            conn.request("POST", "/api/incidents/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            seconds = time.perf_counter() - started_at
            path = response.getheader("X-Intake-Path", "django")
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                paths[path] = paths.get(path, 0) + 1
                latencies.append(seconds)
            if response.will_close:
                conn.close()
        conn.close()

    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(n,)) for n in shares if n]
    started_at = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Burst(count, time.perf_counter() - started_at, statuses, latencies, paths)


def _conninfo() -> str:
    import psycopg
    from django.db import connection

    cfg = connection.settings_dict
    return psycopg.conninfo.make_conninfo(host=cfg["HOST"] or LOOPBACK, port=cfg["PORT"] or 5432, dbname=cfg["NAME"],
                                          user=cfg["USER"], password=cfg["PASSWORD"] or None)


# The rows one report stores, as intake writes them: the incident, located and given its deadline, and its
# submitted event. The reporter, the admin units and the deadline are those intake gives the bench's reports.
_FLOOR = """
WITH incident AS (
  INSERT INTO incidents_incident (tracking_code, token, category_id, description, geom, address, channel,
    reporter_name, reporter_phone, reporter_email, reporter_user_id, reporter_key_digest, recorded_by_id,
    province_id, district_id, commune_id, street_name, agency_id, status, deadline, escalation_level, public,
    merged_into_id, attributes, media_url, extra, rating, created_at, updated_at, resolved_at, closed_at)
  VALUES (%(code)s, %(token)s, %(category)s, %(description)s, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), '',
    'api', '', '', '', %(user)s, %(digest)s, NULL, %(province)s, %(district)s, %(commune)s, %(street)s, NULL,
    'submitted', %(deadline)s, 0, %(public)s, NULL, '{}', '', '{}', NULL, now(), now(), NULL, NULL)
  RETURNING id, created_at)
INSERT INTO incidents_incidentevent (incident_id, kind, at, actor_id, actor_label, public, from_status, to_status,
  agency_id, note, data)
SELECT id, 'submitted', created_at, %(user)s, 'citizen', true, '', 'submitted', NULL, '', %(data)s FROM incident
"""


def _raw_floor(*, count: int, clients: int, like) -> float:
    """The rows of `count` reports written by raw SQL, one statement each, `clients` connections at once:
    reports per second. `like` is an incident stored by intake whose values the rows copy."""
    import psycopg
    from psycopg.types.json import Jsonb

    event = like.events.get(kind="submitted")
    values = {"category": like.category_id, "description": like.description, "x": like.geom.x, "y": like.geom.y,
              "user": like.reporter_user_id, "digest": like.reporter_key_digest, "province": like.province_id,
              "district": like.district_id, "commune": like.commune_id, "street": like.street_name,
              "deadline": like.deadline, "public": like.public, "data": Jsonb(event.data)}
    conninfo = _conninfo()
    _delete_floor_rows(conninfo)  # left by an interrupted run

    def client(n: int, offset: int) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for i in range(n):
                conn.execute(_FLOOR, {**values, "code": f"RAW-{offset + i:08d}", "token": uuid.uuid4(),
                                      "digest": uuid.uuid4().hex * 2})

    shares = [count // clients] * clients
    threads = [threading.Thread(target=client, args=(n, i * n)) for i, n in enumerate(shares)]
    started_at = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started_at
    _delete_floor_rows(conninfo)
    return sum(shares) / seconds


def _delete_floor_rows(conninfo: str) -> None:
    import psycopg

    with psycopg.connect(conninfo) as conn:  # one transaction: the events, then their incidents
        conn.execute("DELETE FROM incidents_incidentevent WHERE incident_id IN "
                     "(SELECT id FROM incidents_incident WHERE tracking_code LIKE 'RAW-%%')")
        conn.execute("DELETE FROM incidents_incident WHERE tracking_code LIKE 'RAW-%%'")


def _setup():
    from django.conf import settings
    from django.core.management import call_command

    from incidents.models import Category
    from portal.accounts.models import User
    from portal.accounts.services import do_issue_token
    from portal.demo import load_admin_units

    call_command("migrate", verbosity=0, interactive=False)
    load_admin_units(settings.SHARED_DATA_DIR / "boundaries", lambda line: print(f"  {line}"))
    category, _ = Category.objects.update_or_create(code=CATEGORY, defaults={
        "name_vi": "Bench", "name_en": "Bench", "deadline_days": 3, "public_by_default": False})
    user, _ = User.objects.get_or_create(username="bench-intake")
    return category, do_issue_token(user=user, name="bench").key


def _cleanup(category) -> None:
    from incidents.models import Incident, IncidentMedia

    for media in IncidentMedia.objects.filter(incident__category=category):
        for stored in (media.original, media.public_copy, media.thumbnail):
            if stored:
                stored.storage.delete(stored.name)
    Incident.objects.filter(category=category).delete()


def _stored(category) -> tuple[int, int, int]:
    """(incidents, distinct tracking codes, submitted events) of the bench's category."""
    from incidents.models import Incident, IncidentEvent

    rows = Incident.objects.filter(category=category)
    events = IncidentEvent.objects.filter(incident__category=category, kind="submitted").count()
    return rows.count(), rows.values("tracking_code").distinct().count(), events


def _exact(burst: Burst, stored: tuple[int, int, int]) -> str:
    incidents, codes, events = stored
    exact = incidents == codes == events == burst.sent == burst.statuses.get(201)
    return (f"burst of {burst.sent}: stored {incidents}, distinct tracking codes {codes}, submitted events "
            f"{events} — " + ("exact" if exact else "MISMATCH"))


def _wait_media(category, expected: int, timeout: float) -> tuple[float, dict[str, int]]:
    from django.db.models import Count

    from incidents.models import IncidentMedia

    started_at = time.perf_counter()
    while True:
        counts = dict(IncidentMedia.objects.filter(incident__category=category).values_list("status")
                      .annotate(n=Count("id")).values_list("status", "n"))
        done = counts.get("ready", 0) + counts.get("failed", 0)
        if done >= expected or time.perf_counter() - started_at > timeout:
            return time.perf_counter() - started_at, counts
        time.sleep(0.5)


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(*, reports: int = 2000, with_photo: int = 100, clients: int = 16, web_workers: int = 2) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from incidents.models import Incident

    print(f"incident intake ({os.cpu_count()} cores; web {web_workers} uvicorn worker(s), one Celery worker, "
          f"{clients} clients, all on 127.0.0.1; {_load()})")
    category, key = _setup()
    _cleanup(category)
    photo = _photo_2mb()
    env = dict(os.environ, CELERY_QUEUE=QUEUE, DB_POOL_MAX=str(clients + 2), PYTHONUNBUFFERED="1", DEBUG="0")
    CACHE.mkdir(parents=True, exist_ok=True)
    port = free_port()
    worker_cmd = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", QUEUE,
                  "--loglevel=WARNING", "--hostname", f"bench-{os.getpid()}@%h"]
    from portal.celery import app

    with started("web", uvicorn("portal.asgi:application", python=sys.executable, port=port, workers=web_workers),
                 env=env, cwd=ROOT, log_dir=CACHE, ready=lambda: answers(port, "/api/incidents/categories")), \
         started("worker", worker_cmd, env=env, cwd=ROOT, log_dir=CACHE,
                 ready=lambda: bool(app.control.ping(timeout=0.5))):
        _burst(port, key, count=min(100, reports), clients=clients, photo=None)  # warm the pools and caches
        like = Incident.objects.filter(category=category).select_related("category").first()
        # The floor in the same run, just before the burst, on the same rows.
        floor = _raw_floor(count=reports, clients=clients, like=like)
        _cleanup(category)
        plain = _burst(port, key, count=reports, clients=clients, photo=None)
        stored = _stored(category)
        _cleanup(category)
        django_path = _burst(port, key, count=max(1, reports // 5), clients=clients, photo=None, multipart=True)
        django_stored = _stored(category)
        _cleanup(category)
        media = _burst(port, key, count=with_photo, clients=min(clients, 8), photo=photo)
        media_stored = _stored(category)
        processing, states = _wait_media(category, with_photo, timeout=600)
    _cleanup(category)

    print(f"  raw SQL floor (incident + submitted event, one statement each, {clients} connections): "
          f"{floor:,.0f} reports/s")
    print(f"  no media, JSON ({'/'.join(sorted(plain.paths))} path): {plain.line()}")
    print(f"    {plain.per_second / floor:.0%} of the floor; {_exact(plain, stored)}")
    print(f"  no media, multipart ({'/'.join(sorted(django_path.paths))} path): {django_path.line()}")
    print(f"    {_exact(django_path, django_stored)}")
    print(f"  photo: {media.per_second:,.1f} reports/s at intake ({media.sent} in {media.seconds:.1f} s, "
          f"{len(photo) / 2**20:.1f} MB each, p50 {media.percentile_ms(50):.0f} ms, p95 "
          f"{media.percentile_ms(95):.0f} ms); statuses {media.statuses}")
    print(f"    {_exact(media, media_stored)}")
    print(f"    worker: public copies for {states.get('ready', 0)} of {with_photo} photos "
          f"{processing:.1f} s after the last upload; states {states}")
    verdict = "met" if plain.per_second >= GOAL_PER_S else "NOT met"
    print(f"  goal ≥ {GOAL_PER_S} reports/s without media: {verdict} ({_load()})")
