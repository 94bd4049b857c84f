"""Incident intake throughput, web + worker on this machine: reports per second through POST /api/incidents/
without media and with one 2 MB photo, against the raw INSERT floor measured in the same run.

Each report goes the whole way a citizen's does: token auth, checks, admin-unit lookup, nearest street,
routing, working-day deadline, incident + events (+ media row and private file), on-commit announcements.
The floor is one bare INSERT of an incident row per transaction, with as many clients, on the same database.
A burst of N reports must store exactly N, each with its own tracking code; media must all become ready.
"""

import http.client
import io
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass

from .import_parcels import CACHE, ROOT
from .servers import LOOPBACK, answers, free_port, started, uvicorn

GOAL_PER_S = 200
QUEUE = "bench-incidents"
CATEGORY = "bench-intake"
PHAN_RANG = (108.9497, 11.5992)


@dataclass
class Burst:
    sent: int
    seconds: float
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def _photo_2mb() -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(8)
    # Noise does not compress: 2 MB of JPEG at this size and quality, like a phone photo.
    pixels = (rng.random((1000, 1340, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85, subsampling=0)
    return out.getvalue()


def _multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="anh.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _burst(port: int, key: str, *, count: int, clients: int, photo: bytes | None) -> Burst:
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    fields = {"category": CATEGORY, "description": "Ổ gà trước chợ (bench)", "lon": PHAN_RANG[0],
              "lat": PHAN_RANG[1]}
    if photo is None:
        body, content_type = json.dumps(fields).encode(), "application/json"
    else:
        body, content_type = _multipart(fields, photo)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
        for _ in range(n):
            conn.request("POST", "/api/incidents/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.will_close:
                conn.close()
        conn.close()

    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(n,)) for n in shares]
    started_at = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Burst(count, time.perf_counter() - started_at, statuses)


def _raw_floor(*, count: int, clients: int, category_id: int) -> float:
    """Bare INSERTs of an incident row, one transaction each, `clients` connections at once: rows per second."""
    import psycopg
    from django.db import connection

    cfg = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(host=cfg["HOST"] or LOOPBACK, port=cfg["PORT"] or 5432,
                                              dbname=cfg["NAME"], user=cfg["USER"], password=cfg["PASSWORD"] or None)
    statement = (
        "INSERT INTO incidents_incident (tracking_code, token, category_id, description, geom, address, channel,"
        " reporter_name, reporter_phone, reporter_email, reporter_key_digest, street_name, status, deadline,"
        " escalation_level, public, attributes, media_url, extra, created_at, updated_at)"
        " VALUES (%s, %s, %s, 'raw floor', ST_SetSRID(ST_MakePoint(%s, %s), 4326), '', 'api', '', '', '', '', '',"
        " 'submitted', now(), 0, true, '{}', '', '{}', now(), now())")

    def client(n: int, offset: int) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for i in range(n):
                conn.execute(statement, (f"RAW-{offset + i:08d}", uuid.uuid4(), category_id, *PHAN_RANG))

    shares = [count // clients] * clients
    threads = [threading.Thread(target=client, args=(n, i * n)) for i, n in enumerate(shares)]
    started_at = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started_at
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM incidents_incident WHERE tracking_code LIKE 'RAW-%%'")
    return sum(shares) / seconds


def _setup():
    from django.conf import settings

    from incidents.models import Category
    from portal.accounts.models import User
    from portal.accounts.services import do_issue_token
    from portal.demo import load_admin_units

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


def _stored(category) -> tuple[int, int]:
    from incidents.models import Incident

    rows = Incident.objects.filter(category=category)
    return rows.count(), rows.values("tracking_code").distinct().count()


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


def run(*, reports: int = 2000, with_photo: int = 100, clients: int = 16, web_workers: int = 2) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    print(f"incident intake ({os.cpu_count()} cores; web {web_workers} uvicorn worker(s), one Celery worker, "
          f"{clients} clients, all on 127.0.0.1)")
    category, key = _setup()
    _cleanup(category)
    floor = _raw_floor(count=reports, clients=clients, category_id=category.pk)
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
        _burst(port, key, count=min(50, reports), clients=clients, photo=None)  # warm the pool and caches
        _cleanup(category)
        plain = _burst(port, key, count=reports, clients=clients, photo=None)
        stored, codes = _stored(category)
        _cleanup(category)
        media = _burst(port, key, count=with_photo, clients=min(clients, 8), photo=photo)
        media_stored, _ = _stored(category)
        processing, states = _wait_media(category, with_photo, timeout=600)
    _cleanup(category)

    print(f"  raw INSERT floor: {floor:,.0f} rows/s ({reports} rows, {clients} connections, autocommit)")
    print(f"  no media:   {plain.per_second:,.0f} reports/s ({plain.sent} in {plain.seconds:.1f} s), "
          f"{plain.per_second / floor:.1%} of the floor; statuses {plain.statuses}")
    print(f"    burst of {plain.sent}: stored {stored}, distinct tracking codes {codes} — "
          + ("exact" if stored == codes == plain.sent == plain.statuses.get(201) else "MISMATCH"))
    print(f"  photo: {media.per_second:,.1f} reports/s at intake ({media.sent} in {media.seconds:.1f} s, "
          f"{len(photo) / 2**20:.1f} MB each); statuses {media.statuses}; stored {media_stored}")
    print(f"    worker: public copies for {states.get('ready', 0)} of {with_photo} photos "
          f"{processing:.1f} s after the last upload; states {states}")
    verdict = "met" if plain.per_second >= GOAL_PER_S else "NOT met"
    print(f"  goal ≥ {GOAL_PER_S} reports/s without media: {verdict}")
