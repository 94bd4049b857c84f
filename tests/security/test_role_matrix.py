"""Every endpoint as every principal, checked against an explicit table of who is let through.

The endpoints come from the URL map (django.urls.get_resolver, every pattern but Django's admin pages) and the
OpenAPI document (/api/openapi.json, every operation); role_matrix_table says, for each, who gets in. An
endpoint in the map or the document and not in the table fails: a new endpoint must be classified. The
principals are the anonymous caller, a citizen, a dispatcher at the province IOC and at two district IOCs, staff
of the agency owning the objects and of another, a planner, the owning and another data steward, and an
administrator, each asking about the objects of role_matrix_world. Each request runs in a savepoint that is
rolled back, so every principal meets the same world. Nothing an anonymous caller receives, from any path, may
carry the seeded personal data or a restricted layer's name or content. The lean ASGI paths (anonymous tiles,
JSON reports) are asked through the served portal, as browsers and apps meet them.
"""

import html
import json
import re
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import requests
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from role_matrix_table import ANON, API_CASES, CASES, PAGE_CASES, Case, let_through
from role_matrix_world import PRINCIPALS, World, build_world, remove_world

pytestmark = pytest.mark.django_db

MATRIX: dict[str, int] = defaultdict(int)  # what was called, for the size printed at the end


@pytest.fixture(scope="module")
def matrix_world(request, admin_units, boundaries, django_db_blocker, tmp_path_factory):
    raster = boundaries.parent / "raster" / "ninhthuan_ppp_2020_1km_clip.tif"
    world = World(root=tmp_path_factory.mktemp("role-matrix"))
    with django_db_blocker.unblock():
        try:
            build_world(world, raster)
            yield world
        finally:
            remove_world(world)
    if MATRIX:
        # Shown even when every test passed: the closing note quotes it.
        line = (f"role matrix: {MATRIX['endpoints']} endpoints ({MATRIX['cases']} with their object variants) × "
                f"{len(PRINCIPALS)} principals = {MATRIX['calls']} calls; through the served portal (lean ASGI "
                f"paths, the event stream): {MATRIX['served']} calls")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n{line}")


# --- what the URL map and the OpenAPI document hold ------------------------------------------------------------


def _patterns(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else entry.name


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _operations() -> set[str]:
    doc = Client().get("/api/openapi.json").json()
    return {f"{method.upper()} {path}" for path, ops in doc["paths"].items() for method in ops}


def _pages() -> set[str]:
    """Named URL patterns outside the OpenAPI document; of Django's admin, only its index."""
    operation_paths = {key.split(" ", 1)[1] for key in _operations()}
    names = set()
    for route, name in _patterns(get_resolver().url_patterns):
        if _openapi_path(route) in operation_paths:
            continue
        if name is None:
            pytest.fail(f"URL pattern {route!r} has no name: name it and classify it in role_matrix_table")
        if name.startswith("admin:") and name != "admin:index":
            continue
        names.add(name)
    return names


def test_every_endpoint_is_in_the_table():
    operations, pages = _operations(), _pages()
    in_table = {case.key for case in API_CASES}
    assert not operations - in_table, f"OpenAPI operations not classified: {sorted(operations - in_table)}"
    assert not in_table - operations, f"classified operations that do not exist: {sorted(in_table - operations)}"
    page_names = {case.route for case in PAGE_CASES}
    assert not pages - page_names, f"URL patterns not classified: {sorted(pages - page_names)}"
    assert not page_names - pages, f"classified URL names that do not exist: {sorted(page_names - pages)}"


# --- the matrix ---------------------------------------------------------------------------------------------------


def _value(given, params):
    return given(params) if callable(given) else given


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""


def _request(client: Client, case: Case, url: str, query: dict | None, body: dict | None, form: dict | None,
             extra: dict):
    if query:
        url = f"{url}?{urlencode(query)}"
    if form is not None:
        if case.method == "POST":
            return client.post(url, form, **extra)
        return client.generic(case.method, url, urlencode(form), content_type="application/x-www-form-urlencoded",
                              **extra)
    if body is not None:
        return client.generic(case.method, url, json.dumps(body), content_type="application/json", **extra)
    return client.generic(case.method, url, **extra)


def _forms(secret: str) -> list[bytes]:
    """How a secret may be written in a response: as is, JSON-escaped, HTML-escaped."""
    return list({secret.encode(), json.dumps(secret)[1:-1].encode(), html.escape(secret).encode()})


def call(world: World, case: Case, principal: str, number: int) -> tuple[object, bytes, bool, list[str]]:
    """One request in a savepoint rolled back afterwards; (response, body, let through, secrets it leaked)."""
    params = {**world.params, **world.variants.get(case.variant, {}), "api_key": world.tokens.get(principal, "")}
    client = world.clients[principal]
    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    url = case.url(params)
    query, body, form = _value(case.query, params), _value(case.json, params), _value(case.form, params)
    asked = url + _text(query) + _text(body) + _text({k: v for k, v in (form or {}).items() if isinstance(v, str)})
    extra = {"REMOTE_ADDR": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}", **case.headers}
    savepoint = transaction.savepoint()
    try:
        response = _request(client, case, url, query, body, form, extra)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        transaction.savepoint_rollback(savepoint)
        client.cookies = cookies
    leaked = []
    if principal == ANON:
        haystack = content + str(dict(response.headers)).encode()
        leaked = [s for s in world.secrets if s not in asked and any(f in haystack for f in _forms(s))]
    return response, content, let_through(case, response, content, params), leaked


_BY_KEY: dict[str, list[Case]] = defaultdict(list)
for _case in CASES:
    if not _case.served:
        _BY_KEY[_case.key].append(_case)


@pytest.mark.parametrize("key", list(_BY_KEY))
def test_role_matrix(matrix_world, key):
    wrong, leaks, errors = [], [], []
    with matrix_world.settings():
        for case in _BY_KEY[key]:
            for principal in PRINCIPALS:
                MATRIX["calls"] += 1
                response, _body, through, leaked = call(matrix_world, case, principal, MATRIX["calls"])
                if response.status_code >= 500 and response.status_code not in case.answers:
                    errors.append(f"{case.label} as {principal}: {response.status_code} {_body[:300]!r}")
                elif through != (principal in case.allow):
                    wrong.append(f"{case.label} as {principal}: {'let through' if through else 'refused'} with "
                                 f"{response.status_code} {_body[:200]!r}")
                if leaked:
                    leaks.append(f"{case.label} gave the anonymous caller {leaked}")
            MATRIX["cases"] += 1
    MATRIX["endpoints"] += 1
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not leaks, "personal or restricted data to anonymous callers:\n" + "\n".join(leaks)
    assert not wrong, "not as the table says:\n" + "\n".join(wrong)


# --- the lean ASGI paths, through the served portal --------------------------------------------------------------


def _headers(world: World, principal: str) -> dict:
    token = world.tokens.get(principal)
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.mark.parametrize("variant", ["public", "internal", "restricted"])
def test_tiles_through_the_served_portal(matrix_world, portal_server, variant):
    expected = {"public": set(PRINCIPALS), "internal": set(PRINCIPALS) - {ANON, "citizen"},
                "restricted": {"agency_own", "planner", "steward_owner"}}[variant]
    params = {**matrix_world.params, **matrix_world.variants[variant]}
    url = f"{portal_server}/tiles/{params['slug']}/{params['z']}/{params['x']}/{params['y']}.mvt"
    wrong = []
    for principal in PRINCIPALS:
        MATRIX["served"] += 1
        response = requests.get(url, headers=_headers(matrix_world, principal), timeout=30)
        assert response.status_code < 500, (principal, response.status_code, response.text[:300])
        if (response.status_code in (200, 204)) != (principal in expected):
            wrong.append(f"{principal}: {response.status_code}")
        if principal == ANON:
            leaked = [s for s in matrix_world.secrets if any(f in response.content for f in _forms(s))
                      and s not in url]
            assert not leaked, leaked
    assert not wrong, f"/tiles/ of the {variant} layer: {wrong}"


def _aged_ticket(base: str) -> str:
    """The form ticket, signed by the served portal and held as long as a person takes to fill the form."""
    ticket = requests.get(f"{base}/api/incidents/ticket", timeout=30).json()
    time.sleep(ticket["min_seconds"] + 0.2)
    return ticket["ticket"]


def test_json_reports_through_the_served_portal(matrix_world, portal_server):
    """Everyone may report; the answer carries the new report's code and key, never anyone's identity."""
    ticket = _aged_ticket(portal_server)
    for principal in PRINCIPALS:
        MATRIX["served"] += 1
        body = {"category": matrix_world.params["category"], "description": f"Ổ gà H11 qua cổng {principal}",
                "lon": 108.9498, "lat": 11.5993, "ticket": ticket}
        response = requests.post(f"{portal_server}/api/incidents/", json=body,
                                 headers=_headers(matrix_world, principal), timeout=30)
        assert response.status_code == 201, (principal, response.status_code, response.text[:300])
        leaked = [s for s in matrix_world.secrets if any(f in response.content for f in _forms(s))]
        assert not leaked, (principal, leaked)
    MATRIX["served"] += 1
    refused = requests.post(f"{portal_server}/api/incidents/", json=body,
                            headers={"Authorization": "Bearer gp_not-a-token"}, timeout=30)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


def _logged_in(base: str, world: World, principal: str) -> requests.Session:
    """A browser's session with the served portal (which signs sessions with its own key), through the login form."""
    browser = requests.Session()
    if principal == ANON:
        return browser
    browser.get(f"{base}/accounts/login/", timeout=30)
    done = browser.post(f"{base}/accounts/login/", timeout=30, allow_redirects=False, headers={
        "Referer": f"{base}/accounts/login/"}, data={
        "username": world.users[principal].username, "password": "a-long-test-password",
        "csrfmiddlewaretoken": browser.cookies.get("csrftoken", "")})
    assert done.status_code == 302, (principal, done.status_code, done.text[:300])
    return browser


def test_dispatch_events_through_the_served_portal(matrix_world, portal_server):
    """The live page's stream (an async view that never ends) opens for dispatchers and agency staff only."""
    [case] = [c for c in CASES if c.key == "GET dispatch:events"]
    wrong = []
    MATRIX["endpoints"] += 1
    MATRIX["cases"] += 1
    for principal in PRINCIPALS:
        MATRIX["served"] += 1
        MATRIX["calls"] += 1
        browser = _logged_in(portal_server, matrix_world, principal)
        with browser.get(f"{portal_server}/dispatch/events", stream=True, timeout=30) as response:
            opened = response.status_code == 200 and b"event: ready" in next(response.iter_content(256), b"")
            assert response.status_code < 500, (principal, response.status_code)
        if opened != (principal in case.allow):
            wrong.append(f"{principal}: {response.status_code}")
    assert not wrong, f"/dispatch/events: {wrong}"
