"""PostgreSQL out of reach (restarting, failing over, the pool waited too long): 503 with Retry-After, not 500.

Every request path maps these errors the same way: the NinjaAPI's exception handler, Django's error view
(for pages and for errors raised in middleware), and the lean JSON intake path. A client told 503 sends the
report again; whatever was answered 201 had been committed before the answer went out.
"""

import logging
import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error
from psycopg_pool import PoolTimeout

from .errors import PortalError

__all__ = ["DATABASE_DOWN", "RETRY_AFTER_SECONDS", "DatabaseUnavailable", "unavailable_response", "server_error"]

# Django wraps what psycopg raises inside its cursors; the pool's own timeout and errors raised outside a
# Django cursor arrive as psycopg's classes (PoolTimeout is a psycopg.OperationalError).
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError, psycopg.OperationalError,
                                               psycopg.InterfaceError, PoolTimeout)
# A fast restart takes a few seconds; a client that waits this long mostly finds the database back.
RETRY_AFTER_SECONDS = 5
log = logging.getLogger("django.request")


class DatabaseUnavailable(PortalError):
    code = "unavailable"
    http_status = 503
    user_msg = "The database is unavailable for a moment; this request was not completed. Please send it again."


def unavailable_response(request: HttpRequest | None = None) -> HttpResponse:
    """The project's error body with status 503 and Retry-After, for any path."""
    response = JsonResponse(DatabaseUnavailable().as_dict(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: called while the exception is being handled, so it can tell an outage from a bug."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_DOWN):
        log.warning("database unavailable: %s", exc)
        return unavailable_response(request)
    return django_server_error(request)
