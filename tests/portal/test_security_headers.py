"""Security headers on every answer: pages, the API, static files, and the two lean ASGI paths (tiles, intake)
that never reach Django's middleware; HSTS, HTTPS redirect and secure cookies in prod."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import pytest

from layers.models import Layer
from portal.security import CSP, content_security_policy, security_headers

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options",
         "cross-origin-opener-policy")


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_allows_this_origin_and_no_inline_script():
    policy = _directives(content_security_policy())
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["worker-src"] == "'self' blob:"  # MapLibre's workers
    assert all("unsafe" not in value and "*" not in value for value in policy.values())
    assert _directives(content_security_policy(style_src="'self' 'unsafe-inline'"))["style-src"] == (
        "'self' 'unsafe-inline'")
    with pytest.raises(ValueError, match="scripts-src"):
        content_security_policy(scripts_src="*")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/auth/me", "/api/layers/", "/map/", "/static/portal/portal.css",
                                  "/no-such-page"])
def test_django_answers_carry_every_header(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == content_security_policy()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP: browsers ignore it there


@pytest.mark.django_db
def test_hsts_over_https_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/")
    assert ("Strict-Transport-Security", "max-age=31536000") in security_headers(secure=True)
    assert "Strict-Transport-Security" not in dict(security_headers(secure=False))


def _get(url: str, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_lean_tiles_and_lean_intake_carry_the_same_headers_as_django(committed, portal_server):
    layer = Layer.objects.create(slug="csp-empty", kind="land_parcel", title_vi="t", title_en="t",
                                 theme="planning", visibility="public")
    committed.append(layer)
    status, lean = _get(f"{portal_server}/tiles/csp-empty/14/13150/7590.mvt")
    assert (status, lean["x-tile-path"]) == (204, "lean")
    django_status, django = _get(f"{portal_server}/tiles/csp-empty/14/13150/7590.mvt", Cookie="sessionid=unknown")
    assert django_status == 204 and "x-tile-path" not in django
    assert {name: lean.get(name) for name in NAMES} == {name: django.get(name) for name in NAMES}
    assert lean["content-security-policy"] == content_security_policy()

    request = urllib.request.Request(f"{portal_server}/api/incidents/", data=b"{not json", method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(request, timeout=20)
    intake = {k.lower(): v for k, v in refused.value.headers.items()}
    assert intake["x-intake-path"] == "lean"
    assert {name: intake.get(name) for name in NAMES} == {name: django.get(name) for name in NAMES}


# --- prod ------------------------------------------------------------------------------------------------------

PROD_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from portal.security import SecurityHeadersMiddleware

app = SecurityMiddleware(SecurityHeadersMiddleware(lambda request: HttpResponse("ok")))
factory = RequestFactory(HTTP_HOST="gis.example.vn")
def answer(path, **extra):
    response = app(factory.get(path, **extra))
    return [response.status_code, response.get("Location"), dict(response.headers)]
def refused(password):
    try:
        validate_password(password)
    except ValidationError as exc:
        return [error.code for error in exc.error_list]
    return []
print(json.dumps({
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                settings.CSRF_COOKIE_HTTPONLY],
    "redirect": settings.SECURE_SSL_REDIRECT,
    "http": answer("/map/"),
    "healthz": answer("/healthz"),
    "https": answer("/map/", HTTP_X_FORWARDED_PROTO="https"),
    "weak": {password: refused(password) for password in ("password123", "12345678901", "short-1")},
    "strong": refused("Ninh-Thuan-vang-nang-7"),
}))
"""


def _prod(**env_extra: str) -> dict:
    secrets = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL", "SSL_REDIRECT", "HSTS_SECONDS",
               "COOKIE_SECURE", "HSTS_INCLUDE_SUBDOMAINS", "DATABASE_REPLICA_URL")
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.prod", SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@db/x",
               ALLOWED_HOSTS="gis.example.vn", REDIS_URL="redis://r:6379/0", **env_extra)
    result = subprocess.run([sys.executable, "-c", PROD_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_prod_sends_http_to_https_and_asks_browsers_to_remember_for_a_year():
    found = _prod()
    assert found["redirect"] is True
    assert found["http"][:2] == [301, "https://gis.example.vn/map/"]
    status, _location, headers = found["https"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["Content-Security-Policy"] == "; ".join(f"{k} {v}" for k, v in CSP.items())
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert found["healthz"][0] == 200  # load balancers check health over plain HTTP


def test_prod_redirect_and_hsts_are_configurable():
    found = _prod(SSL_REDIRECT="0", HSTS_SECONDS="600", HSTS_INCLUDE_SUBDOMAINS="1")
    assert found["redirect"] is False and found["http"][0] == 200
    assert found["https"][2]["Strict-Transport-Security"] == "max-age=600; includeSubDomains"


def test_prod_cookies_are_secure_and_hidden_from_scripts():
    assert _prod()["cookies"] == [True, True, True, True]
    assert _prod(COOKIE_SECURE="0")["cookies"] == [False, False, True, True]  # a plain-HTTP trial only


def test_prod_password_policy_refuses_weak_passwords():
    found = _prod()
    assert found["weak"] == {"password123": ["password_too_common"],
                             "12345678901": ["password_too_common", "password_entirely_numeric"],
                             "short-1": ["password_too_short"]}
    assert found["strong"] == []


@pytest.mark.browser
def test_chromium_refuses_a_script_slipped_into_a_page_and_says_so(portal_server, browser):
    """What the policy is for: markup that got into a page (say, through a bug in escaping) runs no script. It is
    also the proof that the browser tests' watch() sees violations."""
    from browser_csp import watch

    page = browser.new_page()
    blocked = watch(page)

    def slip_in(route):
        response = route.fetch()
        body = response.text().replace("</main>", "<script>window.slipped = true</script>"
                                                  "<img src=x onerror='window.slipped = true'></main>")
        route.fulfill(response=response, body=body)

    page.route(f"{portal_server}/", slip_in)
    page.goto(f"{portal_server}/")
    page.wait_for_timeout(300)
    assert page.evaluate("window.slipped") is None
    assert any("script-src" in text for text in blocked), blocked
    page.close()


@pytest.mark.browser
def test_the_incident_map_page_starts_its_map_from_a_static_script(portal_server, browser):
    from browser_csp import watch

    page = browser.new_page()
    blocked = watch(page)
    page.goto(f"{portal_server}/incidents/map/")
    page.wait_for_function("() => window.reportsMap && window.reportsMap.loaded()", timeout=30_000)
    assert page.locator("#reports-map canvas").count() == 1
    assert page.locator("#reports-map").bounding_box()["height"] > 400  # map.css's .map-tall, not an inline style
    assert blocked == []
    page.close()
