"""The lean JSON intake path answers as the Django API view does, through the same checks, rate limit and spam
trap; browser sessions (CSRF), forms and anything unusual still go to Django. Against the served portal."""

import http.cookiejar
import json
import threading
import time
import urllib.parse
import urllib.request
from urllib.error import HTTPError

import pytest
import redis
from django.conf import settings
from incident_helpers import NHA_TRANG, PHAN_RANG

from incidents.conf import conf
from incidents.lean import _ours
from incidents.models import Category, Incident, IncidentEvent, RoutingRule
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token

SECURITY_HEADERS = ("content-type", "x-content-type-options", "referrer-policy", "x-frame-options",
                    "content-language", "cross-origin-opener-policy", "content-security-policy")


def _post(url: str, body: bytes, opener=None, **headers):
    headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read() or b"null")


def _report(**kw) -> bytes:
    return json.dumps({"category": "lean-pothole", "description": "Ổ gà trước chợ", "lon": PHAN_RANG[0],
                       "lat": PHAN_RANG[1], **kw}).encode()


@pytest.fixture
def world(committed, admin_units):
    """Committed for the served portal to see: a category routed to an agency, a citizen with a token."""
    _remove_world()  # what an interrupted run left
    roads = OrgUnit.objects.create(code="lean-roads", name="Sở Giao thông (lean)", kind=OrgUnit.Kind.AGENCY)
    category = Category.objects.create(code="lean-pothole", name_vi="Ổ gà", name_en="Pothole", deadline_days=5)
    rule = RoutingRule.objects.create(name="lean", category=category, agency=roads, priority=1)
    citizen = User.objects.create_user("lean-citizen", password="a-long-test-password", email="c@example.org")
    key = do_issue_token(user=citizen, name="lean").key
    yield {"category": category, "agency": roads, "citizen": citizen, "key": key, "rule": rule}
    _remove_world()


def _remove_world() -> None:
    Incident.objects.filter(category__code="lean-pothole").delete()
    RoutingRule.objects.filter(name="lean").delete()
    Category.objects.filter(code="lean-pothole").delete()
    User.objects.filter(username="lean-citizen").delete()
    OrgUnit.objects.filter(code="lean-roads").delete()


def _stored(code: str) -> Incident:
    return Incident.objects.select_related("commune", "district", "province", "agency").get(tracking_code=code)


def test_a_json_report_on_the_lean_path_is_stored_as_through_django(world, portal_server):
    auth = {"Authorization": f"Bearer {world['key']}"}
    lean = _post(f"{portal_server}/api/incidents/", _report(), **auth)
    # A cookie (any) sends the same request through Django's middleware and the ninja view.
    django = _post(f"{portal_server}/api/incidents/", _report(), Cookie="seen=1", **auth)
    assert lean[0] == django[0] == 201, (lean, django)
    assert lean[1]["x-intake-path"] == "lean" and "x-intake-path" not in django[1]
    assert {h: lean[1].get(h) for h in SECURITY_HEADERS} == {h: django[1].get(h) for h in SECURITY_HEADERS}
    assert lean[2].keys() == django[2].keys()
    assert (lean[2]["status"], lean[2]["agency"]) == (django[2]["status"], django[2]["agency"]) == (
        "assigned", "Sở Giao thông (lean)")
    assert lean[2]["deadline"] == django[2]["deadline"] and lean[2]["reporter_key"] != django[2]["reporter_key"]
    one, other = _stored(lean[2]["tracking_code"]), _stored(django[2]["tracking_code"])
    for incident in (one, other):
        assert (incident.commune.name, incident.district.name, incident.province.name) == (
            "Phường Đô Vinh", "Thành phố Phan Rang-Tháp Chàm", "Ninh Thuận")
        assert (incident.channel, incident.reporter_user, incident.reporter_email) == ("api", world["citizen"],
                                                                                      "c@example.org")
        assert incident.agency == world["agency"] and incident.status == "assigned"
    events = [list(IncidentEvent.objects.filter(incident=i).order_by("id").values_list("kind", "to_status", "data"))
              for i in (one, other)]
    assert events[0] == events[1] and [kind for kind, *_ in events[0]] == ["submitted", "assigned"]


@pytest.mark.parametrize(("body", "headers"), [
    (_report(), {"Authorization": "Bearer gp_not-a-token"}),
    (_report(), {"Authorization": "Bearer"}),
    (b"{not json", {}),
    (b"[1, 2]", {}),
    (_report(category="ufo"), {}),
    (_report(lon=NHA_TRANG[0], lat=NHA_TRANG[1]), {}),
    (_report(lon="east"), {}),
    (_report(description="x" * 100_000), {}),
    (_report(channel="zalo"), {}),
    (_report(), {}),  # anonymous without the form ticket
    (_report(website="http://spam.example"), {}),
])
def test_refusals_are_the_same_on_both_paths_and_store_nothing(world, portal_server, body, headers):
    lean = _post(f"{portal_server}/api/incidents/", body, **headers)
    django = _post(f"{portal_server}/api/incidents/", body, Cookie="seen=1", **headers)
    assert 400 <= lean[0] < 500 and lean[1].get("x-intake-path") == "lean"
    assert (lean[0], lean[2]) == (django[0], django[2])
    assert lean[2]["code"] and lean[2]["message"]
    assert not Incident.objects.filter(category=world["category"]).exists()


def _aged_ticket(base: str) -> str:
    with urllib.request.urlopen(f"{base}/api/incidents/ticket", timeout=10) as response:
        ticket = json.loads(response.read())
    time.sleep(ticket["min_seconds"] + 0.2)  # the server signs it; a person needs this long to fill the form
    return ticket["ticket"]


def test_anonymous_reports_pass_the_spam_trap_and_the_rate_limit_per_ip(world, portal_server):
    ticket = _aged_ticket(portal_server)
    status, headers, body = _post(f"{portal_server}/api/incidents/", _report(
        ticket=ticket, reporter_name="Trần Thị B", reporter_phone="0912 000 111"))
    assert status == 201 and headers["x-intake-path"] == "lean"
    incident = _stored(body["tracking_code"])
    assert (incident.reporter_name, incident.reporter_user) == ("Trần Thị B", None)
    count, _window = conf.RATE_LIMIT
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set("portal:ratelimit:incident-public-write:127.0.0.1", count, ex=60)
    refused = [_post(f"{portal_server}/api/incidents/", _report(ticket=ticket), **extra)
               for extra in ({}, {"Cookie": "seen=1"})]
    assert [(s, b["code"]) for s, _h, b in refused] == [(429, "rate_limited")] * 2
    assert refused[0][1]["x-intake-path"] == "lean" and "x-intake-path" not in refused[1][1]
    assert Incident.objects.filter(category=world["category"]).count() == 1


def test_a_burst_of_n_concurrent_reports_stores_exactly_n(world, portal_server):
    auth = {"Authorization": f"Bearer {world['key']}"}
    codes, lock = [], threading.Lock()

    def client(n: int) -> None:
        for i in range(n):
            status, _headers, body = _post(f"{portal_server}/api/incidents/", _report(description=f"burst {i}"),
                                           **auth)
            with lock:
                codes.append(body["tracking_code"] if status == 201 else status)

    threads = [threading.Thread(target=client, args=(5,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = Incident.objects.filter(category=world["category"])
    assert len(codes) == 40 and len(set(codes)) == 40 and all(str(c).startswith("NT-") for c in codes)
    assert stored.count() == 40 and set(stored.values_list("tracking_code", flat=True)) == set(codes)
    assert IncidentEvent.objects.filter(incident__in=stored, kind="submitted").count() == 40


def _browser(base: str, username: str, password: str):
    """A cookie jar logged in through the portal's own login form, as a browser would be."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf}).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/"}),
                timeout=10).read()
    assert any(c.name == "sessionid" for c in jar)
    return opener, next(c.value for c in jar if c.name == "csrftoken")


def test_a_browser_session_goes_through_django_and_needs_its_csrf_token(world, portal_server):
    opener, csrf = _browser(portal_server, "lean-citizen", "a-long-test-password")
    refused = _post(f"{portal_server}/api/incidents/", _report(), opener=opener)
    assert refused[0] == 403 and "x-intake-path" not in refused[1]
    assert not Incident.objects.filter(category=world["category"]).exists()
    status, headers, body = _post(f"{portal_server}/api/incidents/", _report(), opener=opener, **{
        "X-CSRFToken": csrf, "Referer": f"{portal_server}/incidents/report/"})
    assert status == 201 and "x-intake-path" not in headers
    assert _stored(body["tracking_code"]).reporter_user == world["citizen"]


def test_other_requests_are_left_to_django(world, portal_server):
    basic = _post(f"{portal_server}/api/incidents/", _report(), Authorization="Basic bGVhbjpsZWFu")
    assert basic[0] == 401 and "x-intake-path" not in basic[1]
    form = _post(f"{portal_server}/api/incidents/", urllib.parse.urlencode({"category": "lean-pothole"}).encode(),
                 **{"Content-Type": "application/x-www-form-urlencoded"})
    assert form[0] == 400 and "x-intake-path" not in form[1]  # Django's answer: no form ticket


def _scope(**changes) -> dict:
    headers = {b"host": b"127.0.0.1:8000", b"content-type": b"application/json", b"content-length": b"120"}
    headers.update(changes.pop("headers", {}))
    return {"type": "http", "method": "POST", "path": "/api/incidents/", "root_path": "", "scheme": "http",
            "headers": [(k, v) for k, v in headers.items() if v is not None], **changes}


@pytest.mark.parametrize(("scope", "lean"), [
    (_scope(), True),
    (_scope(headers={b"authorization": b"Bearer gp_x"}), True),
    (_scope(headers={b"content-type": b"application/json; charset=utf-8"}), True),
    (_scope(method="GET"), False),
    (_scope(path="/api/incidents/public"), False),
    (_scope(headers={b"cookie": b"sessionid=x"}), False),
    (_scope(headers={b"content-type": b"multipart/form-data; boundary=x"}), False),
    (_scope(headers={b"content-length": None}), False),
    (_scope(headers={b"content-length": str(10 * 2**20).encode()}), False),
    (_scope(headers={b"transfer-encoding": b"chunked"}), False),
    (_scope(headers={b"authorization": b"Basic eDp5"}), False),
    (_scope(headers={b"host": b"evil.example"}), False),
    (_scope(root_path="/portal"), False),
    ({"type": "lifespan"}, False),
])
def test_which_requests_the_lean_path_takes(scope, lean):
    assert (_ours(scope) is not None) is lean
