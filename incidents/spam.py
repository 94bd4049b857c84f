"""The spam trap for anonymous reports, with no outside captcha: a hidden field people leave empty, and a
signed form ticket that must be at least a few seconds old (scripts post at once) and at most a few hours."""

import time

from django.core import signing

from portal.ratelimit import RateLimit, client_ip

from .conf import conf
from .errors import RateLimited, SpamSuspected

__all__ = ["HONEYPOT_FIELD", "issue_ticket", "check_not_spam", "check_rate", "record_rate", "count_public_write"]

HONEYPOT_FIELD = "website"
_SALT = "incidents.form-ticket"
_MAX_AGE_S = 6 * 3600


def issue_ticket(*, now: float | None = None) -> str:
    return signing.dumps({"t": round(now if now is not None else time.time(), 3)}, salt=_SALT)


def check_not_spam(*, honeypot: str, ticket: str, now: float | None = None) -> None:
    if honeypot:
        raise SpamSuspected()
    try:
        issued = float(signing.loads(ticket or "", salt=_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SpamSuspected("The form is missing its ticket: reload the page and send it again.") from None
    age = (now if now is not None else time.time()) - issued
    if age < conf.MIN_FILL_SECONDS:
        raise SpamSuspected()
    if age > _MAX_AGE_S:
        raise SpamSuspected("The form was open too long: reload the page and send it again.")


def _limit() -> RateLimit:
    count, window = conf.RATE_LIMIT
    return RateLimit("incident-public-write", limit=count, window=window)


def check_rate(request) -> None:
    if _limit().exceeded(client_ip(request)):
        raise RateLimited()


def record_rate(request) -> None:
    _limit().record(client_ip(request))


def count_public_write(ip: str) -> None:
    """Count one public write from `ip` and refuse it past the limit: one Redis round trip, and concurrent
    posts cannot all slip under the limit between a check and a count."""
    if _limit().hit(ip):
        raise RateLimited()
