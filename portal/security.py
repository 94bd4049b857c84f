"""The security headers every answer carries, from one function.

Django's answers get them from SecurityHeadersMiddleware; the lean ASGI paths (public tiles, JSON intake),
which never reach Django's middleware, put the same list on theirs.

The Content-Security-Policy allows this origin only. The exceptions are what the pages need: images
from `data:` (icons in CSS, the report page's favicon) and `blob:` (photos previewed before upload in
the citizen app), and `blob:` workers (MapLibre starts its workers from a blob URL). No inline script
runs anywhere: page scripts live in static files and read their data from `json_script` blocks.
"""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

__all__ = ["CSP", "content_security_policy", "security_headers", "scope_is_secure", "SecurityHeadersMiddleware"]

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(**overrides: str) -> str:
    """The policy, with some directives replaced (style_src="…" for style-src) for an answer that needs it."""
    policy = dict(CSP)
    for name, value in overrides.items():
        directive = name.replace("_", "-")
        if directive not in CSP:
            raise ValueError(f"unknown CSP directive {directive!r}")
        policy[directive] = value
    if settings.X_FRAME_OPTIONS.upper() == "SAMEORIGIN" and "frame_ancestors" not in overrides:
        policy["frame-ancestors"] = "'self'"
    return "; ".join(f"{directive} {value}" for directive, value in policy.items())


def security_headers(*, secure: bool) -> list[tuple[str, str]]:
    """(name, value) of every security header, for a request that came over HTTPS (`secure`) or not.

    HSTS only on HTTPS, as browsers ignore it on plain HTTP; the rest on every answer."""
    found = [("Content-Security-Policy", content_security_policy())]
    if settings.SECURE_HSTS_SECONDS and secure:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        found.append(("Strict-Transport-Security", hsts + ("; preload" if settings.SECURE_HSTS_PRELOAD else "")))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        found.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        found.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        found.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    found.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    return found


def scope_is_secure(scope, headers: dict[bytes, bytes]) -> bool:
    """HttpRequest.is_secure for an ASGI scope: the proxy's header when one is configured and sent, else the
    connection's scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = headers.get(name.removeprefix("HTTP_").lower().replace("_", "-").encode())
        if value is not None:
            return value.decode("latin-1").split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Adds security_headers() to every Django answer. A header the view set itself is kept (a stored report
    page, for one, carries a policy that lets its charts' inline styles apply)."""

    def process_response(self, request, response):
        headers = security_headers(secure=request.is_secure())
        if getattr(response, "xframe_options_exempt", False):  # @xframe_options_exempt: others may frame it
            headers = [(name, value) for name, value in headers if name != "X-Frame-Options"]
            response.headers.setdefault("Content-Security-Policy", content_security_policy(frame_ancestors="*"))
        for name, value in headers:
            response.headers.setdefault(name, value)
        return response
