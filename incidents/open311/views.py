"""GeoReport v2 endpoints. Every error is the spec's list of {code, description}, with the HTTP status as code."""

from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.accounts.services import find_token_user
from portal.errors import PortalError

from ..conf import conf
from ..errors import UnknownCategory
from ..intake import Report, check_category, check_report, clean_text, do_submit_incident
from ..models import Category, Channel, EventKind, Incident, IncidentEvent, IncidentMedia
from .documents import definition_node, request_node, service_node
from .formats import respond
from .geocoding import place_address

__all__ = ["discovery", "services", "service_definition", "requests", "request_detail", "token"]

# When this endpoint's behaviour last changed (discovery's changeset).
ENDPOINT_CHANGESET = "2026-12-01T00:00:00+07:00"
MAX_LIMIT = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status, self.description = status, description
        super().__init__(description)


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _error(fmt: str, status: int, description: str):
    return respond(("errors", [("error", [("code", status), ("description", description)])]), fmt, status=status)


def _guard(view):
    """Our errors and Open311's, in the spec's error document. 422 (our bad input) is the spec's 400."""
    def wrapped(request, fmt: str, *args, **kwargs):
        if fmt not in ("xml", "json"):
            return _error("xml", 400, f"Unknown format {fmt!r}: use .xml or .json.")
        try:
            _check_jurisdiction(request)
            return view(request, fmt, *args, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except PortalError as exc:
            status = 400 if exc.http_status == 422 else exc.http_status
            return _error(fmt, status, f"{exc.field}: {exc.user_msg}" if exc.field else exc.user_msg)
    wrapped.__name__ = view.__name__
    return wrapped


def _check_jurisdiction(request) -> None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if given and given != conf.OPEN311_JURISDICTION:
        raise Open311Error(404, f"jurisdiction_id {given!r} is not served here; ours is {conf.OPEN311_JURISDICTION}.")


@require_http_methods(["GET"])
@_guard
def discovery(request, fmt: str):
    base = request.build_absolute_uri("/open311/v2/").rstrip("/")
    stamp = ENDPOINT_CHANGESET
    return respond(("discovery", [
        ("changeset", stamp), ("contact", f"IOC {conf.PROVINCE}"),
        ("key_service", request.build_absolute_uri("/api/docs") + " (POST /api/auth/tokens for an api_key)"),
        ("endpoints", [("endpoint", [
            ("specification", "http://wiki.open311.org/GeoReport_v2"), ("url", base), ("changeset", stamp),
            ("type", "production"), ("formats", [("format", "text/xml"), ("format", "application/json")]),
        ])]),
    ]), fmt)


@require_http_methods(["GET"])
@_guard
def services(request, fmt: str):
    categories = Category.objects.for_citizens().prefetch_related("attributes")
    return respond(("services", [service_node(c, language=_lang()) for c in categories]), fmt)


@require_http_methods(["GET"])
@_guard
def service_definition(request, fmt: str, code: str):
    category = Category.objects.for_citizens().filter(code=code).prefetch_related("attributes").first()
    if category is None:
        raise Open311Error(404, f"service_code {code!r} not found")
    return respond(definition_node(category), fmt)


def _public_requests():
    latest_note = (IncidentEvent.objects.filter(incident=OuterRef("pk"), public=True, kind=EventKind.NOTE_PUBLIC)
                   .order_by("-at", "-id").values("note")[:1])
    return (Incident.objects.public().select_related("category", "agency", "commune", "district")
            .annotate(latest_public_note=Subquery(latest_note))
            .prefetch_related(Prefetch("media", to_attr="public_media", queryset=IncidentMedia.objects.filter(
                status=IncidentMedia.State.READY, purpose=IncidentMedia.Purpose.REPORT).exclude(public_copy=""))))


def _date(request, name: str):
    text = request.GET.get(name)
    if not text:
        return None
    try:
        value = parse_datetime(text.replace(" ", "+"))  # a '+' offset arrives as a space when not escaped
    except ValueError:  # well formed but not a date (February 30th)
        value = None
    if value is None:
        raise Open311Error(400, f"{name} must be a W3C datetime such as 2026-12-01T00:00:00+07:00")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _int(request, name: str, default: int, most: int | None = None) -> int:
    text = request.GET.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number") from None
    if value < 0 or (most is not None and value > most):
        raise Open311Error(400, f"{name} must be between 0 and {most}" if most else f"{name} must be 0 or more")
    return value


def _list_requests(request, fmt: str):
    incidents = _public_requests()
    ids = [i.strip().upper() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        # The spec: with service_request_id, the other filters are ignored.
        incidents = incidents.filter(tracking_code__in=ids)
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            incidents = incidents.filter(category__code__in=codes)
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date")
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start:
            incidents = incidents.filter(created_at__gte=start)
        if end:
            incidents = incidents.filter(created_at__lte=end)
        status = request.GET.get("status", "").strip().lower()
        if status == "open":
            incidents = incidents.exclude(status__in=("resolved", "closed", "rejected"))
        elif status == "closed":
            incidents = incidents.filter(status__in=("resolved", "closed", "rejected"))
        elif status:
            raise Open311Error(400, "status is open or closed")
    limit = _int(request, "limit", MAX_LIMIT, MAX_LIMIT)
    offset = _int(request, "offset", 0, 10**9)  # bounded: past PostgreSQL's bigint an OFFSET is an error
    page = incidents.order_by("-created_at", "-id")[offset:offset + limit]
    return respond(("service_requests", [request_node(request, i, language=_lang()) for i in page]), fmt)


def _api_user(request):
    key = request.POST.get("api_key") or request.GET.get("api_key")
    user = find_token_user(key) if key else None
    if user is None:
        raise Open311Error(403, "api_key is missing or not valid")
    return user


def _create_request(request, fmt: str):
    user = _api_user(request)
    post = request.POST
    code = post.get("service_code", "")
    try:
        check_category(code, field="service_code")
    except UnknownCategory:
        raise Open311Error(404, f"service_code {code!r} not found") from None
    attributes = {}
    for key in post:
        if key.startswith("attribute[") and key.endswith("]"):
            values = post.getlist(key)
            attributes[key[10:-1]] = values if len(values) > 1 else values[0]
    lat, lon = post.get("lat"), post.get("long")
    address = post.get("address_string", "")
    if (lat in (None, "") or lon in (None, "")) and address:
        point = place_address(address)
        lon, lat = point.x, point.y
    name = " ".join(x for x in (post.get("first_name", "").strip(), post.get("last_name", "").strip()) if x)
    report = Report(category=code, description=post.get("description", ""), channel=Channel.OPEN311, lon=lon,
                    lat=lat, address=address, reporter_name=name, reporter_phone=post.get("phone", ""),
                    reporter_email=post.get("email", ""), recorded_by=user, attributes=attributes,
                    media_url=post.get("media_url", ""),
                    extra={k: clean_text(post[k], field=k, limit=200)
                           for k in ("device_id", "account_id", "address_id") if post.get(k)})
    incident = do_submit_incident(check_report(report, request.FILES.getlist("media")))
    return respond(("service_requests", [("request", [
        ("service_request_id", incident.tracking_code), ("service_notice", ""),
        ("account_id", post.get("account_id", "")),
    ])]), fmt, status=201)


@csrf_exempt  # an API for other servers, authenticated by api_key, never by a browser cookie
@require_http_methods(["GET", "POST"])
@_guard
def requests(request, fmt: str):
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@require_http_methods(["GET"])
@_guard
def request_detail(request, fmt: str, request_id: str):
    incident = _public_requests().filter(tracking_code=request_id.strip().upper()).first()
    if incident is None:
        raise Open311Error(404, f"service_request_id {request_id!r} not found")
    return respond(("service_requests", [request_node(request, incident, language=_lang())]), fmt)


@require_http_methods(["GET"])
@_guard
def token(request, fmt: str, token_id: str):
    incident = Incident.objects.filter(token=_uuid(token_id)).only("tracking_code", "token").first()
    if incident is None:
        raise Open311Error(404, f"token {token_id!r} not found")
    return respond(("service_requests", [("request", [
        ("service_request_id", incident.tracking_code), ("token", str(incident.token))])]), fmt)


def _uuid(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        raise Open311Error(404, f"token {text!r} not found") from None
