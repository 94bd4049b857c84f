"""Scale-out for real: a PostGIS primary with a streaming read replica made by deploy/postgres/*.sh (the scripts
compose.yaml runs), and two web processes on them that behave as one portal.

The clusters are the system's PostgreSQL binaries in a temporary folder (bootstrap's LocalPostgres for the
primary); the web processes are uvicorn serving portal.asgi as `make run` and compose do.
"""

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import mapbox_vector_tile
import psycopg
import pytest
import redis
import requests
from django.conf import settings

from bootstrap.database import ensure_database
from bootstrap.postgres import SUPERUSER, LocalPostgres
from bootstrap.system import pg_bindir

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "postgres"
REPLICATION_PASSWORD = "replica-test-secret"
REDIS_DB = "14"
SQUARE = {"type": "Polygon", "coordinates": [[[108.99, 11.56], [108.9902, 11.56], [108.9902, 11.5602],
                                              [108.99, 11.5602], [108.99, 11.56]]]}
ITEMS = "/ogcapi/collections/scale-parcels/items"
SETUP = """
from django.contrib.auth.models import Group
from layers.models import Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token
Layer.objects.create(slug="scale-parcels", kind="land_parcel", title_vi="t", title_en="t", theme="planning",
                     visibility="public")
org = OrgUnit.objects.create(code="ioc-scale", name="IOC", kind="province_ioc")
user = User.objects.create_user("scale-steward", password="a-long-password-1", org_unit=org)
user.groups.add(Group.objects.get(name="data_steward"))
print(do_issue_token(user=user, name="scale").key)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _wait(what: str, probe, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = probe()
            if found:
                return found
        except (OSError, psycopg.Error, requests.RequestException):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, sig=None) -> None:
    proc.send_signal(sig) if sig else proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def cluster():
    """Primary and replica; yields their URLs for the portal's database."""
    home = Path(tempfile.mkdtemp(prefix="portal-scale-"))
    home.chmod(0o755)  # the postgres account walks into it
    primary = LocalPostgres(home / "primary")
    os.environ["PORTAL_PG_PORT"], saved = str(_free_port()), os.environ.get("PORTAL_PG_PORT")
    replica_proc = None
    try:
        primary.ensure_running(lambda line: None)
        primary_url = primary.url("portal")
        ensure_database(primary_url)
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(primary.port()), PGPASSWORD=primary.password(),
                   POSTGRES_USER=SUPERUSER, POSTGRES_DB="portal", PGDATA=str(primary.datadir),
                   REPLICATION_PASSWORD=REPLICATION_PASSWORD)
        subprocess.run(_as_postgres(["sh", str(DEPLOY / "primary-init.sh")]), env=env, check=True,
                       capture_output=True)
        subprocess.run(_as_postgres([str(pg_bindir() / "pg_ctl"), "reload", "-D", str(primary.datadir)]), check=True,
                       capture_output=True)
        replica_home = home / "replica"
        replica_home.mkdir()
        if os.geteuid() == 0:
            shutil.chown(replica_home, user="postgres")
        replica_port = _free_port()
        log = (home / "replica.log").open("w")
        replica_proc = subprocess.Popen(
            _as_postgres(["sh", str(DEPLOY / "replica.sh"), "-p", str(replica_port), "-c",
                          "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]),
            env=dict(os.environ, PATH=f"{pg_bindir()}:{os.environ['PATH']}", PGDATA=str(replica_home / "data"),
                     PRIMARY_HOST="127.0.0.1", PRIMARY_PORT=str(primary.port()),
                     REPLICATION_PASSWORD=REPLICATION_PASSWORD),
            stdout=log, stderr=subprocess.STDOUT)
        replica_url = (f"postgres://{SUPERUSER}:{quote(primary.password(), safe='')}@127.0.0.1:{replica_port}"
                       "/portal")

        def in_recovery():
            with psycopg.connect(replica_url, connect_timeout=2) as conn:
                return conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

        _wait(f"the replica ({home / 'replica.log'})", in_recovery, 60)
        yield primary_url, replica_url
    finally:
        if replica_proc is not None:
            _stop(replica_proc)
        primary.stop(lambda line: None)
        if saved is None:
            os.environ.pop("PORTAL_PG_PORT", None)
        else:
            os.environ["PORTAL_PG_PORT"] = saved
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def portal(cluster, tmp_path_factory):
    """Two uvicorn processes on the primary and the replica, sharing Redis and the secret key: (A, B, token)."""
    primary_url, replica_url = cluster
    # A Redis database of its own, emptied first: the failed-login counts below start from nothing.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings.test", DATABASE_URL=primary_url,
               DATABASE_REPLICA_URL=replica_url, SECRET_KEY="one-key-for-every-web-process", PYTHONUNBUFFERED="1",
               TEST_REDIS_DB=REDIS_DB)
    redis.Redis.from_url(settings.REDIS_URL.rpartition("/")[0] + f"/{REDIS_DB}").flushdb()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    token = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    logs = tmp_path_factory.mktemp("webs")
    procs, bases = [], []
    for name in ("a", "b"):
        port = _free_port()
        with (logs / f"{name}.log").open("w") as out:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port",
                 str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        bases.append(f"http://127.0.0.1:{port}")
    for base in bases:
        _wait(f"web at {base} ({logs})", lambda base=base: requests.get(f"{base}/healthz", timeout=5).status_code)
    yield bases[0], bases[1], token
    for proc in procs:
        _stop(proc)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


TILE = "/tiles/scale-parcels/{}/{}/{}.mvt".format(*_tile_of(108.9901, 11.5601, 16))


def _parcel_no(base: str) -> str | None:
    features = requests.get(f"{base}{ITEMS}", timeout=10).json()["features"]
    return features[0]["properties"]["parcel_no"] if features else None


def _replay(replica_url: str, action: str) -> None:
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute(f"SELECT pg_wal_replay_{action}()")  # action is ours: pause or resume


def test_a_write_through_one_web_is_read_through_the_other_from_the_replica(cluster, portal):
    primary_url, replica_url = cluster
    a, b, token = portal
    auth = {"Authorization": f"Bearer {token}"}
    feature = {"type": "Feature", "id": "S1", "geometry": SQUARE,
               "properties": {"sheet_no": "4", "parcel_no": "77", "land_use_code": "ODT"}}
    created = requests.post(f"{a}{ITEMS}", json=feature, headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    assert _wait("the feature on B", lambda: _parcel_no(b)) == "77"
    tile = _wait("the tile on B", lambda: (r := requests.get(f"{b}{TILE}", timeout=10)).status_code == 200 and r)
    decoded = mapbox_vector_tile.decode(tile.content)
    assert len(decoded["scale-parcels"]["features"]) == 1

    # With the replica's replay paused, the primary has the edit and both webs still read the replica's copy.
    _replay(replica_url, "pause")
    try:
        edited = requests.patch(f"{a}{ITEMS}/S1", json={"properties": {"parcel_no": "78"}}, headers=auth, timeout=10)
        assert edited.status_code == 204, edited.text
        with psycopg.connect(primary_url) as conn:
            assert conn.execute("SELECT parcel_no FROM layers_landparcel WHERE ext_id = 'S1'").fetchone()[0] == "78"
        assert _parcel_no(a) == _parcel_no(b) == "77"
        assert requests.get(f"{b}{TILE}", timeout=10).headers["ETag"] == tile.headers["ETag"]
    finally:
        _replay(replica_url, "resume")
    assert _wait("the edit on B", lambda: _parcel_no(b) == "78")
    # The version bump reached the replica with the edit: a new tile, not the cached one.
    assert _wait("a new tile on B", lambda: requests.get(f"{b}{TILE}", timeout=10).headers["ETag"] != tile.headers[
        "ETag"])


def test_a_session_made_on_one_web_is_valid_on_the_other(portal):
    a, b, _ = portal
    browser = requests.Session()
    browser.get(f"{a}/accounts/login/", timeout=10)
    login = browser.post(f"{a}/accounts/login/", data={
        "username": "scale-steward", "password": "a-long-password-1",
        "csrfmiddlewaretoken": browser.cookies["csrftoken"]}, headers={"Referer": f"{a}/accounts/login/"},
        allow_redirects=False, timeout=10)
    assert login.status_code == 302, login.text[:500]
    me = browser.get(f"{b}/api/auth/me", timeout=10)
    assert me.status_code == 200 and me.json()["username"] == "scale-steward"
    assert requests.get(f"{b}/api/auth/me", timeout=10).status_code == 401  # and not without it


def test_failed_logins_are_counted_across_both_webs(portal):
    a, b, _ = portal
    statuses = []
    for attempt in range(11):
        base = (a, b)[attempt % 2]
        guesser = requests.Session()
        guesser.get(f"{base}/accounts/login/", timeout=10)
        statuses.append(guesser.post(f"{base}/accounts/login/", data={
            "username": "scale-steward", "password": f"wrong-{attempt}",
            "csrfmiddlewaretoken": guesser.cookies["csrftoken"]}, headers={"Referer": f"{base}/accounts/login/"},
            timeout=10).status_code)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
