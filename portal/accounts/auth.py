"""How API callers prove who they are: a bearer API token, or the browser session (with CSRF)."""

from ninja.security import HttpBearer, django_auth

from .services import find_token_user

__all__ = ["ApiTokenAuth", "token_or_session", "session_only"]


class ApiTokenAuth(HttpBearer):
    openapi_description = "API token issued at POST /api/auth/tokens, sent as 'Authorization: Bearer gp_…'."

    def authenticate(self, request, token):
        user = find_token_user(token)
        if user is not None:
            request.user = user
        return user


token_or_session = [ApiTokenAuth(), django_auth]
session_only = [django_auth]
