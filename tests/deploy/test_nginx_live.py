"""deploy/nginx.conf run for real by Debian's nginx, in front of the portal served by uvicorn on the test database.

The site is included into an http block as the nginx image's own nginx.conf includes conf.d/*.conf. Only the
names that exist in the Compose stack alone are rewritten (`web`, Docker's DNS, port 80, the two volumes), each by
an exact replacement that fails when the site changes shape, so what runs is otherwise the deployed file.
"""

import gzip
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import yaml
from django.contrib.auth.models import Group

from geoprocessing.services import SHEET_LIMIT
from layers.importing import import_file
from layers.models import Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token
from portal.ratelimit import RateLimit

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx.conf"
NGINX = Path("/usr/sbin/nginx")
CENTRE = (108.99, 11.565)
# A second loopback address for the client: nginx sees it as $remote_addr, uvicorn sees nginx at 127.0.0.1,
# so the address the portal ends up with can only have come through X-Forwarded-For.
CLIENT_ADDR = "127.0.0.2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace_once(text: str, old: str, new: str) -> str:
    found = text.count(old)
    if found != 1:
        pytest.fail(f"{SITE.relative_to(ROOT)} changed shape: expected {old!r} once, found it {found} times; "
                    "update the rewrite in this test")
    return text.replace(old, new)


def site_for_this_machine(text: str, *, port: int, upstream: str, cache: Path, static: Path) -> str:
    for old, new in (
        # An IP literal in $portal_web is never looked up; the resolver stays, pointed at nothing that answers.
        ("resolver 127.0.0.11 valid=10s", "resolver 127.0.0.1 valid=10s"),
        ("set $portal_web http://web:8000;", f"set $portal_web {upstream};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        ("proxy_cache_path /var/cache/nginx/tiles ", f"proxy_cache_path {cache} "),
        ("alias /srv/static/;", f"alias {static}/;"),
    ):
        text = _replace_once(text, old, new)
    return text


def main_conf(prefix: Path, site: Path) -> str:
    # What the nginx image's /etc/nginx/nginx.conf sets around conf.d, with every path moved into the prefix.
    # As root the workers drop to an unprivileged user, as the image's do, so file permissions matter here too.
    user = "user www-data;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {prefix / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} notice;\n"
            "events { worker_connections 256; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    access_log {prefix / 'access.log'};\n    sendfile on;\n    keepalive_timeout 65;\n{temp}"
            f"    include {site};\n}}\n")


class Nginx:
    def __init__(self, port: int, static: Path, cache: Path):
        self.port, self.static, self.cache = port, static, cache

    def stored(self) -> frozenset[Path]:
        """Every file in the tile cache, the ones being written included (use_temp_path=off puts them there)."""
        return frozenset(path for path in self.cache.rglob("*") if path.is_file())

    def get(self, path: str, *, method: str = "GET", body: bytes | None = None, **headers: str):
        """(status, headers with lower-case names, the header list as received, body), asked from CLIENT_ADDR."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20, source_address=(CLIENT_ADDR, 0))
        try:
            conn.request(method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response = conn.getresponse()
            raw = response.getheaders()
            return response.status, {k.lower(): v for k, v in raw}, raw, response.read()
        finally:
            conn.close()


@contextmanager
def running_nginx(upstream: str):
    """Debian's nginx serving the rewritten site in front of `upstream`, in a temporary prefix."""
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing: `python3 -m bootstrap setup` installs Debian's nginx package")
    prefix = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
    prefix.chmod(0o755)  # the workers' user walks into it for static files and the cache
    static, cache, site, port = prefix / "static", prefix / "tiles", prefix / "site.conf", _free_port()
    static.mkdir()
    site.write_text(site_for_this_machine(SITE.read_text(), port=port, upstream=upstream, cache=cache,
                                          static=static))
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, site))
    checked = subprocess.run([str(NGINX), "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx refuses the site: {checked.stderr}"
    log = (prefix / "nginx.out").open("w")
    proc = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited: {(prefix / 'error.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not listen within 10 s")
                time.sleep(0.05)
        yield Nginx(port, static, cache)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def nginx(portal_server):
    with running_nginx(portal_server) as server:
        yield server


def tile(z: int) -> str:
    n = 2**z
    lon, lat = CENTRE
    x, y = int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}.mvt"


def layer_with_a_parcel(committed, tmp_path: Path, slug: str, **fields) -> Layer:
    """A committed layer (the portal's own process reads it) holding one parcel at CENTRE."""
    source = tmp_path / f"{slug}.gpkg"
    gpd.GeoDataFrame({"ext_id": ["P1"], "sheet_no": ["1"], "parcel_no": ["1"]},
                     geometry=[shapely.box(CENTRE[0], CENTRE[1], CENTRE[0] + 2e-4, CENTRE[1] + 2e-4)],
                     crs=4326).to_file(source)
    layer = Layer.objects.create(slug=slug, kind="land_parcel", title_vi="t", title_en="t", theme="planning",
                                 **fields)
    committed.append(layer)
    import_file(layer, source)
    return layer


UNSTABLE = {"date", "x-cache-status"}  # nginx's own clock, and the very thing that tells the two apart


def test_a_public_tile_is_kept_and_served_again_unchanged(nginx, committed, tmp_path):
    layer_with_a_parcel(committed, tmp_path, "nginx-public", visibility="public")
    path = f"/tiles/nginx-public/{tile(16)}"
    first = nginx.get(path, Accept_Encoding="gzip")
    assert first[0] == 200 and first[1]["x-cache-status"] == "MISS"
    assert first[1]["cache-control"].startswith("public") and first[3]
    second = nginx.get(path, Accept_Encoding="gzip")
    assert second[0] == 200 and second[1]["x-cache-status"] == "HIT"
    assert second[3] == first[3]
    assert [h for h in second[2] if h[0].lower() not in UNSTABLE] == [h for h in first[2]
                                                                      if h[0].lower() not in UNSTABLE]
    assert nginx.stored(), "nothing was written to the tile cache"
    # A visitor who opened a page carries the CSRF and language cookies: they give no rights, the cache serves.
    visitor = nginx.get(path, Accept_Encoding="gzip", Cookie="csrftoken=" + "a" * 32 + "; django_language=vi")
    assert (visitor[1]["x-cache-status"], visitor[3]) == ("HIT", first[3])


@pytest.fixture
def planner_key(committed) -> str:
    """An API token of a planner, committed so that the portal's process accepts it."""
    org = OrgUnit.objects.create(code="nginx-so-xd", name="Sở Xây dựng", kind="agency")
    committed.append(org)
    planner = User.objects.create_user("nginx-planner", password="a-long-password-1", org_unit=org)
    committed.append(planner)
    planner.groups.add(Group.objects.get(name="planner"))
    return do_issue_token(user=planner, name="nginx").key


@pytest.mark.parametrize("kind", ["cookie", "token"])
def test_callers_with_credentials_go_to_the_portal_and_nothing_is_kept(nginx, committed, tmp_path, planner_key,
                                                                       kind):
    # A session cookie (unknown to the portal: Django then answers as to anyone, which makes the point that
    # nginx did not keep it).
    cookie = "csrftoken=" + "a" * 32 + "; sessionid=" + "b" * 32
    credentials = {"Cookie": cookie} if kind == "cookie" else {"Authorization": f"Bearer {planner_key}"}
    slug = f"nginx-public-{kind}"  # one per case: nginx's cache outlives a test's layers
    layer_with_a_parcel(committed, tmp_path, slug, visibility="public")
    cached, fresh = f"/tiles/{slug}/{tile(16)}", f"/tiles/{slug}/{tile(17)}"
    assert nginx.get(cached)[1]["x-cache-status"] == "MISS"
    assert nginx.get(cached)[1]["x-cache-status"] == "HIT"
    # Even with the tile at hand, the caller's own request is answered by the portal (by Django, not the lean
    # path for anonymous callers).
    status, headers, _raw, _body = nginx.get(cached, **credentials)
    assert (status, headers["x-cache-status"]) == (200, "BYPASS")
    assert "x-tile-path" not in headers
    # What the portal answered them is not written to the cache, though the tile is public (and marked so).
    before = nginx.stored()
    status, headers, _raw, _body = nginx.get(fresh, **credentials)
    assert (status, headers["x-cache-status"]) == (200, "BYPASS") and headers["cache-control"].startswith("public")
    assert nginx.stored() == before
    assert nginx.get(fresh)[1]["x-cache-status"] == "MISS"
    assert nginx.stored() > before, "the cache files are not where this test looks for them"


def test_a_restricted_tile_fetched_with_a_token_is_never_stored(nginx, committed, tmp_path, planner_key):
    layer_with_a_parcel(committed, tmp_path, "nginx-restricted", visibility="restricted", allowed_roles=["planner"])
    path = f"/tiles/nginx-restricted/{tile(16)}"
    before = nginx.stored()
    for _ in range(2):
        status, headers, _raw, body = nginx.get(path, Authorization=f"Bearer {planner_key}")
        assert (status, headers["x-cache-status"]) == (200, "BYPASS") and body
        assert headers["cache-control"].startswith("private")
    assert nginx.stored() == before
    missing = nginx.get("/tiles/nginx-nothing-here/16/0/0.mvt")
    for _ in range(2):
        status, headers, _raw, body = nginx.get(path)
        assert (status, headers["x-cache-status"], body) == (404, "MISS", missing[3]), \
            "an anonymous caller got the restricted tile from nginx's cache"


def test_other_paths_reach_the_portal_uncached_with_scheme_and_host(nginx):
    for _ in range(2):
        status, headers, _raw, body = nginx.get("/api/openapi.json")
        assert status == 200 and b'"openapi"' in body
        assert "x-cache-status" not in headers

    def origins(**headers: str) -> set[str]:
        status, _headers, _raw, body = nginx.get("/ogcapi/?f=json", **headers)
        assert status == 200
        return {link["href"].split("/ogcapi/")[0] for link in json.loads(body)["links"]}

    # nginx's own scheme, unless a load balancer in front reports one; the Host the client asked for.
    assert origins() == {f"http://127.0.0.1:{nginx.port}"}
    assert origins(X_Forwarded_Proto="https") == {f"https://127.0.0.1:{nginx.port}"}


def test_the_portal_counts_the_address_nginx_saw_not_the_one_claimed(serve_portal):
    """With the web service's trust in forwarded headers (compose.yaml), a forged X-Forwarded-For goes nowhere."""
    web = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["web"]["environment"]
    forged = "203.0.113.7"
    with running_nginx(serve_portal(FORWARDED_ALLOW_IPS=web["FORWARDED_ALLOW_IPS"])) as nginx:
        for addr in (CLIENT_ADDR, forged):
            SHEET_LIMIT.reset(addr)
        try:
            # Every attempt at a planning sheet counts against the client's address, even one that fails.
            status, _headers, _raw, body = nginx.get("/api/planning/sheets", method="POST",
                                                     body=b'{"parcel_id": 0}', Content_Type="application/json",
                                                     X_Forwarded_For=forged)
            assert status == 404, body
            counted = RateLimit(SHEET_LIMIT.name, limit=1, window=SHEET_LIMIT.window)  # "one attempt is the limit"
            assert counted.exceeded(CLIENT_ADDR), "the portal did not count the address nginx saw"
            assert not counted.exceeded(forged), "the portal took the client's forged X-Forwarded-For"
        finally:
            for addr in (CLIENT_ADDR, forged):
                SHEET_LIMIT.reset(addr)


def test_static_files_come_from_the_static_volume(nginx):
    css = b"body { margin: 0 }\n" * 50
    (nginx.static / "portal").mkdir()
    (nginx.static / "portal" / "site.3f2a.css").write_bytes(css)
    (nginx.static / "portal" / "site.3f2a.css.gz").write_bytes(gzip.compress(css))
    for path in nginx.static.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    status, headers, _raw, body = nginx.get("/static/portal/site.3f2a.css")
    assert (status, body, headers["content-type"]) == (200, css, "text/css")
    assert headers["cache-control"] == "max-age=604800"
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    status, headers, _raw, body = nginx.get("/static/portal/site.3f2a.css", Accept_Encoding="gzip")
    assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(body) == css
    # Nothing under /static/ falls through to the portal: a missing file is nginx's own 404 page.
    status, _headers, _raw, body = nginx.get("/static/portal/missing.css")
    assert status == 404 and b"<center>nginx</center>" in body
