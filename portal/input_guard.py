"""Text PostgreSQL cannot store, refused at the door: a NUL character in the path, a query parameter, a form field
or a JSON string.

psycopg refuses to send a NUL in text and PostgreSQL one in JSON (\u0000), so without this any filter, search or
form field holding one became a 500 from whichever query met it first. Checked up front where it is cheap: the
path, the query string, and form or JSON bodies small enough for Django to hold in memory anyway (larger uploads
are bounded by their views). A NUL that only a view's own parsing reveals is still answered 422 when the
database refuses it; by then the view's transaction has rolled back.
"""

import re

import psycopg
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError

from .errors import InvalidInput

__all__ = ["NulGuardMiddleware"]

# \u0000 in JSON text, unless its backslash is itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refusal(field: str) -> JsonResponse:
    error = InvalidInput("Text may not contain the NUL character (\\x00).", field=field)
    return JsonResponse(error.as_dict(), status=error.http_status)


def _small_body(request: HttpRequest) -> bytes | None:
    """The body when Django would hold it in memory anyway; None for larger ones, which views bound themselves.
    Read before the form is parsed, so that views reading the raw body still can."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and declared > limit:
        return None
    try:
        return request.body
    except RequestDataTooBig:
        return None


def _nul_field(request: HttpRequest) -> str | None:
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    if request.method not in ("POST", "PUT", "PATCH") or (body := _small_body(request)) is None:
        return None
    if request.content_type in _FORMS:
        try:
            fields = request.POST.lists()
        except MultiPartParserError:
            return None  # the view meets the same error and answers it
        for name, values in fields:
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
    elif request.content_type.endswith("json") and (b"\x00" in body or _JSON_NUL.search(body)):
        return "body"
    return None


def _is_nul_refusal(exception: Exception) -> bool:
    """psycopg's own refusal to send a NUL, or PostgreSQL's of \\u0000 in JSON (SQLSTATE 22P05)."""
    if not isinstance(exception, DataError):
        return False
    cause = exception.__cause__
    return isinstance(cause, psycopg.errors.UntranslatableCharacter) or "NUL" in str(exception)


class NulGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        field = _nul_field(request)
        if field is not None:
            return _refusal(field)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        return _refusal("request") if _is_nul_refusal(exception) else None
