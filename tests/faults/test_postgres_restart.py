"""PostgreSQL stopped and started again while reports come in: every answer is 201 or 503 with Retry-After and the
error shape (never 500), and every report answered 201 is in the database afterwards.

The served portal runs against a PostgreSQL cluster of this test's own (the system's binaries, as bootstrap
makes one), loaded from the migrated test database, so it can be stopped without touching anyone else's.
"""

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError, URLError

import psycopg
import pytest
from django.db import connection

from bootstrap.postgres import LocalPostgres
from bootstrap.system import pg_bindir
from incidents.models import Category, Incident, RoutingRule
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token
from portal.unavailable import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.faults

CATEGORY = "fault-pothole"
PHAN_RANG = (108.9497, 11.5992)  # inside Ninh Thuận's communes (the admin_units fixture)
DOWN_SECONDS = 12  # longer than the pool's 10 s wait, so requests also meet a pool that cannot connect


def _remove_world() -> None:
    Incident.objects.filter(category__code=CATEGORY).delete()
    RoutingRule.objects.filter(name=CATEGORY).delete()
    Category.objects.filter(code=CATEGORY).delete()
    User.objects.filter(username="fault-citizen").delete()
    OrgUnit.objects.filter(code="fault-roads").delete()


def _test_database_url() -> str:
    cfg = connection.settings_dict
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    return f"postgres://{cfg['USER']}{password}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


@pytest.fixture
def cluster(admin_units, committed, tmp_path):
    """(LocalPostgres, database URL, token): a cluster of this test's own holding the migrated test database
    with a category routed to an agency and a citizen's API token."""
    _remove_world()
    roads = OrgUnit.objects.create(code="fault-roads", name="Sở Giao thông (faults)", kind=OrgUnit.Kind.AGENCY)
    category = Category.objects.create(code=CATEGORY, name_vi="Ổ gà", name_en="Pothole", deadline_days=5)
    RoutingRule.objects.create(name=CATEGORY, category=category, agency=roads, priority=1)
    citizen = User.objects.create_user("fault-citizen", password="a-long-test-password", email="f@example.org")
    key = do_issue_token(user=citizen, name="faults").key
    dump = tmp_path / "portal.dump"
    try:
        subprocess.run([str(pg_bindir() / "pg_dump"), "-Fc", "-f", str(dump), "-d", _test_database_url()],
                       check=True, capture_output=True)
    finally:
        _remove_world()
    # Under /tmp, not pytest's folder: the postgres account runs the cluster and must reach it.
    home = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
    pg = LocalPostgres(home=home)
    (home / "port").write_text(f"{_free_port()}\n")
    pg.ensure_running(log=lambda _message: None)
    try:
        with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE portal")
        subprocess.run([str(pg_bindir() / "pg_restore"), "--no-owner", "--no-privileges", "--jobs=4",
                        "-d", pg.url("portal"), str(dump)], check=True, capture_output=True)
        yield pg, pg.url("portal"), key
    finally:
        pg.stop(log=lambda _message: None)
        shutil.rmtree(home, ignore_errors=True)


def _free_port() -> int:
    """A loopback port free right now (bound, then released for the cluster to take)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, body: bytes, **headers) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except HTTPError as error:
        raw = error.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"raw": raw[:300].decode(errors="replace")}
        return error.code, {k.lower(): v for k, v in error.headers.items()}, body


def _report(marker: str) -> bytes:
    return json.dumps({"category": CATEGORY, "description": f"Ổ gà trước chợ ({marker})", "lon": PHAN_RANG[0],
                       "lat": PHAN_RANG[1]}).encode()


def test_reports_during_a_postgres_restart_get_201_or_503_and_none_answered_201_is_lost(cluster, serve_portal):
    pg, url, key = cluster
    base = serve_portal(DATABASE_URL=url)
    answers: list[tuple[str, str, int, dict, dict]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(name: str, path_headers: dict) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            marker = f"{name}-{n}"
            try:
                status, headers, body = _post(f"{base}/api/incidents/", _report(marker),
                                              Authorization=f"Bearer {key}", **path_headers)
            except URLError as exc:  # the server itself must stay up; a refused connection is a failure
                status, headers, body = 0, {}, {"error": str(exc)}
            with lock:
                answers.append((name, marker, status, headers, body))
            if status == 503:
                time.sleep(0.2)

    tiles: list[tuple[int, dict]] = []

    def tile_client() -> None:
        # A tile of a layer the portal does not have: the lean path asks the catalog, then hands it to Django.
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"{base}/tiles/no-such-layer/14/13000/7600.mvt", timeout=60) as r:
                    tiles.append((r.status, {}))
            except HTTPError as error:
                tiles.append((error.code, {k.lower(): v for k, v in error.headers.items()}))
            time.sleep(0.2)

    # Lean JSON path (no cookie) and Django's path (a cookie sends it through the middleware and ninja).
    threads = [threading.Thread(target=client, args=(f"lean{i}", {})) for i in range(3)]
    threads.append(threading.Thread(target=tile_client))
    threads += [threading.Thread(target=client, args=(f"django{i}", {"Cookie": "seen=1"})) for i in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        before = len(answers)
        pg.stop(log=lambda _message: None)
        time.sleep(DOWN_SECONDS)
        pg.ensure_running(log=lambda _message: None)
        restarted = time.monotonic()
        while time.monotonic() - restarted < 20:  # until both paths answer 201 again
            time.sleep(0.5)
            with lock:
                recent = [a for a in answers[before:] if a[2] == 201]
            if {a[0][:4] for a in recent[-20:]} == {"lean", "djan"}:
                break
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)

    statuses = {}
    for name, _marker, status, headers, body in answers:
        statuses[status] = statuses.get(status, 0) + 1
        assert status in (201, 503), (name, status, body)
        if status == 503:
            assert headers.get("retry-after") == str(RETRY_AFTER_SECONDS), (name, headers)
            assert body["code"] == "unavailable" and body["message"], body
    assert statuses.get(503, 0) >= 1, statuses  # the outage was felt
    assert {status for status, _ in tiles} == {404, 503}, tiles  # tiles too: 503 while it lasts, never 500
    assert all(headers.get("retry-after") == str(RETRY_AFTER_SECONDS) for status, headers in tiles if status == 503)
    after = answers[before:]
    assert any(a[2] == 503 for a in after)
    accepted = {a[4]["tracking_code"]: a[1] for a in answers if a[2] == 201}
    assert any(a[2] == 201 and a[0].startswith("lean") for a in after[-40:])
    assert any(a[2] == 201 and a[0].startswith("django") for a in after[-40:])

    with psycopg.connect(url) as conn:
        stored = dict(conn.execute(
            "SELECT i.tracking_code, i.description FROM incidents_incident i JOIN incidents_category c "
            "ON c.id = i.category_id WHERE c.code = %s", [CATEGORY]).fetchall())
        events = dict(conn.execute(
            "SELECT i.tracking_code, count(e.id) FROM incidents_incident i "
            "LEFT JOIN incidents_incidentevent e ON e.incident_id = i.id GROUP BY i.tracking_code").fetchall())
    missing = set(accepted) - set(stored)
    assert not missing, f"{len(missing)} reports answered 201 are not stored: {sorted(missing)[:5]}"
    for code, marker in accepted.items():
        assert f"({marker})" in stored[code]
        assert events[code] >= 1  # stored whole, with its first event
    # Reports answered 503 may have been committed just as the connection broke (the client sends them again);
    # nothing else is there.
    assert len(stored) - len(accepted) <= statuses[503]
    print(f"\nPostgreSQL down {DOWN_SECONDS} s: {statuses} answers, {len(accepted)} accepted, all stored; "
          f"{len(stored) - len(accepted)} stored though answered 503")
