"""A lean ASGI path for JSON reports (POST /api/incidents/ without a cookie), in front of Django in the same server.

Measured: Django's request machinery (a new thread per request, the middleware chain, ninja) cost more CPU
than the report itself once intake was down to three statements. Apps and integrations post JSON with a token
or anonymously, without a session, so those posts are answered here by the same functions the API view calls:
the token check (find_token_user), api_channel, submit_report (rate limit per IP and spam trap for anonymous
callers, then check_report and do_submit_incident), created_body, and the API's renderer and error shape.
Anything else — a cookie (a browser session, which needs CSRF), a form or multipart body, no or a large
Content-Length, another Authorization scheme, an unknown host — goes to Django unchanged.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from django.utils import translation

from portal.accounts.auth import NotAuthenticated
from portal.accounts.services import find_token_user
from portal.errors import PortalError
from portal.security import scope_is_secure, security_headers
from portal.unavailable import DATABASE_DOWN, RETRY_AFTER_SECONDS, DatabaseUnavailable

from .submission import api_channel, created_body, json_fields, submit_report

__all__ = ["LeanIntake", "PATH"]

PATH = "/api/incidents/"
log = logging.getLogger("django.request")


class LeanIntake:
    def __init__(self, django_app, *, threads: int = 4):
        from portal.api import api  # the API's renderer, so both paths write the same bytes

        self.django = django_app
        self._render, self._content_type = api.renderer.render, api.get_content_type().encode()
        # Intake is synchronous Django code (ORM, GEOS): it runs on a few long-lived threads, each taking a
        # connection from Django's pool for one report and giving it back.
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lean-intake")
        self._headers = {secure: _response_headers(secure) for secure in (False, True)}

    async def __call__(self, scope, receive, send):
        headers = _ours(scope)
        if headers is None:
            await self.django(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        ip = scope["client"][0] if scope.get("client") else "unknown"
        loop = asyncio.get_running_loop()
        status, payload = await loop.run_in_executor(self._executor, self._answer, headers, body, ip)
        content = self._render(None, payload, response_status=status).encode()
        extra = self._headers[scope_is_secure(scope, headers)]
        if status == 503:
            extra = [*extra, (b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", self._content_type), (b"content-length", str(len(content)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": content})

    def _answer(self, headers: dict[bytes, bytes], body: bytes, ip: str) -> tuple[int, dict]:
        translation.activate(settings.LANGUAGE_CODE)  # no cookie: no language chosen (portal.locale_middleware)
        try:
            user = _caller(headers)
            data = json_fields(body)
            incident = submit_report(data=data, files=[], channel=api_channel(data, user), user=user, ip=ip)
            return 201, created_body(incident)
        except PortalError as exc:
            return exc.http_status, exc.as_dict()
        except DATABASE_DOWN as exc:  # PostgreSQL restarting: the client sends the report again, as Django's path says
            log.warning("database unavailable: %s (lean intake): %s", PATH, exc)
            return 503, DatabaseUnavailable().as_dict()
        except Exception:
            log.exception("Internal Server Error: %s (lean intake)", PATH)
            return 500, {"code": "server_error", "message": "The report could not be stored; nothing was kept. "
                                                            "Please send it again."}
        finally:
            close_old_connections()  # what Django does at the end of every request: the connection goes back
            translation.deactivate()


def _caller(headers: dict[bytes, bytes]):
    """As the API's public_access: a valid bearer token's user; no header, anonymous; a bad token, refused."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if not auth:
        return AnonymousUser()
    user = find_token_user(" ".join(auth.split(" ")[1:]))  # read as ninja's HttpBearer reads it
    if user is None:
        raise NotAuthenticated()
    return user


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]  # what Django's get_host allows then
    return settings.ALLOWED_HOSTS


def _ours(scope) -> dict[bytes, bytes] | None:
    """The request's headers when the lean path may answer it, else None (Django answers)."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH or scope.get("root_path"):
        return None
    headers = dict(scope["headers"])
    if b"cookie" in headers or b"transfer-encoding" in headers:
        return None  # a session (CSRF, the session's user) or an unsized body: Django's rules apply
    if headers.get(b"content-type", b"").split(b";")[0].strip().lower() != b"application/json":
        return None
    length = headers.get(b"content-length", b"")
    if not length.isdigit() or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None  # Django refuses it with its own 413
    auth = headers.get(b"authorization")
    if auth and auth.split(b" ")[0].lower() != b"bearer":
        return None  # another scheme: Django refuses it as the API does
    if settings.SECURE_SSL_REDIRECT and not scope_is_secure(scope, headers) or settings.DISALLOWED_USER_AGENTS:
        return None
    domain, _port = split_domain_port(headers.get(b"host", b"").decode("latin-1"))
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None  # Django answers 400
    return headers


async def _read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _response_headers(secure: bool) -> list[tuple[bytes, bytes]]:
    """What the security middleware (portal.security) and the language middleware add to an API answer."""
    found = [*security_headers(secure=secure), ("Content-Language", settings.LANGUAGE_CODE),
             ("X-Intake-Path", "lean")]
    return [(name.lower().encode(), value.encode()) for name, value in found]
