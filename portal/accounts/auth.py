"""How API callers prove who they are: a bearer API token, or the browser session (with CSRF)."""

from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer, django_auth

from portal.errors import PortalError

from .services import find_token_user

__all__ = ["ApiTokenAuth", "token_or_session", "session_only", "public_access", "NotAuthenticated", "resolve_caller"]


class ApiTokenAuth(HttpBearer):
    openapi_description = "API token issued at POST /api/auth/tokens, sent as 'Authorization: Bearer gp_…'."

    def authenticate(self, request, token):
        user = find_token_user(token)
        if user is not None:
            request.user = user
        return user


token_or_session = [ApiTokenAuth(), django_auth]
session_only = [django_auth]


class SessionOrAnonymous:
    """After ApiTokenAuth: the session user (checked by django_auth, CSRF included), else the anonymous
    user, who sees public data only. A refused Authorization header stays a 401, never anonymous."""

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return None
        if request.user.is_authenticated:
            return django_auth(request)
        return AnonymousUser()


# For endpoints that serve public data to anyone and more to those who prove who they are.
public_access = [ApiTokenAuth(), SessionOrAnonymous()]


class NotAuthenticated(PortalError):
    code = "not_authenticated"
    http_status = 401
    user_msg = "Log in or send a valid API token."


def resolve_caller(request):
    """The caller by public_access's rule, for views outside the NinjaAPI (tiles, OGC API)."""
    for method in public_access:
        user = method(request)
        if user:
            return user
    raise NotAuthenticated()
