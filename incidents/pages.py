"""Incident pages: the public report form on the map, tracking, the public list and map, the caller's pin
drop, and the hotline console. Each page calls the same services as the API; Django's CSRF guards every form."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from layers.models import Layer
from portal.errors import PortalError

from . import hotline, services
from .conf import conf
from .following import follow
from .intake import Report
from .models import Status
from .presenters import public_incident
from .selectors import categories_with_attributes, public_detail, public_incidents
from .spam import HONEYPOT_FIELD, check_rate, issue_ticket, record_rate
from .submission import read_body, submit_from_request

__all__ = ["report_form", "track_lookup", "track", "public_list", "public_map", "pin_drop", "hotline_console"]

# Basemap layers drawn under the pickers and the public map, when the catalog has them and they are public.
MAP_LAYERS = ("nen-mat-nuoc", "nen-hanh-chinh", "nen-duong", "nen-duong-pho-mau")
_KEY_SESSION = "incident-reporter-keys"


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _map_layers() -> list[dict]:
    found = Layer.objects.filter(slug__in=MAP_LAYERS, visibility=Layer.Visibility.PUBLIC)
    by_slug = {layer.slug: layer for layer in found}
    return [{"slug": s, "kind": by_slug[s].kind} for s in MAP_LAYERS if s in by_slug]


def _form_context(request, *, values=None, error=None) -> dict:
    lang = _lang()
    return {"categories": [(c.code, c.name(lang), c.attributes.all()) for c in categories_with_attributes()],
            "ticket": issue_ticket(), "honeypot": HONEYPOT_FIELD, "values": values or {}, "error": error,
            "map_layers": _map_layers(), "max_files": conf.MAX_FILES,
            "max_photo_mb": conf.MAX_PHOTO_BYTES // 2**20, "max_video_mb": conf.MAX_VIDEO_BYTES // 2**20}


def _remember_key(request, code: str, key: str) -> None:
    keys = request.session.get(_KEY_SESSION, {})
    keys[code] = key
    request.session[_KEY_SESSION] = keys


@require_http_methods(["GET", "POST"])
def report_form(request):
    if request.method == "GET":
        return render(request, "incidents/report.html", _form_context(request))
    try:
        data, files = read_body(request)
        incident = submit_from_request(request, data=data, files=files, channel="web")
    except PortalError as exc:
        values = {k: v for k, v in request.POST.items() if k not in ("ticket", "csrfmiddlewaretoken")}
        return render(request, "incidents/report.html", _form_context(request, values=values, error=exc),
                      status=exc.http_status)
    _remember_key(request, incident.tracking_code, incident.reporter_key)
    return HttpResponseRedirect(reverse("incidents:track", args=[incident.tracking_code]) + "?new=1")


@require_http_methods(["GET"])
def track_lookup(request):
    code = (request.GET.get("code") or "").strip().upper()
    if code:
        return HttpResponseRedirect(reverse("incidents:track", args=[code]))
    return render(request, "incidents/track_lookup.html")


@require_http_methods(["GET", "POST"])
def track(request, code: str):
    incident = public_detail(code)
    if incident is None:
        return render(request, "incidents/track_lookup.html", {"not_found": code}, status=404)
    message, error, status = "", None, 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            check_rate(request)
            record_rate(request)
            if action == "follow":
                follow(incident, request.POST.get("email", ""))
                message = "following"
            elif action == "rate":
                try:
                    rating = int(request.POST.get("rating", ""))
                except ValueError:
                    rating = 0
                services.do_rate(incident=incident, rating=rating, comment=request.POST.get("comment", ""),
                                 key=request.POST.get("key", ""), user=request.user)
                message = "rated"
            elif action == "reopen":
                services.do_reopen(incident=incident, reason=request.POST.get("reason", ""),
                                   key=request.POST.get("key", ""), user=request.user)
                message = "reopened"
            else:
                raise Http404
        except PortalError as exc:
            error, status = exc, exc.http_status
        incident = public_detail(code)
    keys = request.session.get(_KEY_SESSION, {})
    new_key = keys.pop(incident.tracking_code, None) if request.GET.get("new") else None
    if new_key:
        request.session[_KEY_SESSION] = keys  # shown once
    body = public_incident(incident, language=_lang(), timeline=True)
    return render(request, "incidents/track.html", {
        "incident": body, "new_key": new_key, "message": message, "error": error, "map_layers": _map_layers(),
        "can_rate": incident.status in (Status.RESOLVED, Status.CLOSED),
        "reopen_days": conf.REOPEN_DAYS}, status=status)


@require_http_methods(["GET"])
def public_list(request):
    category, status = request.GET.get("category") or None, request.GET.get("status") or None
    try:
        incidents = public_incidents(category=category, status=status)
        page = Paginator(incidents, 25).get_page(request.GET.get("page"))
    except PortalError as exc:
        return render(request, "incidents/list.html", {"error": exc}, status=exc.http_status)
    lang = _lang()
    return render(request, "incidents/list.html", {
        "page": page, "rows": [public_incident(i, language=lang) for i in page],
        "categories": [(c.code, c.name(lang)) for c in categories_with_attributes()],
        "statuses": Status.choices, "category": category or "", "status": status or ""})


@require_http_methods(["GET"])
def public_map(request):
    lang = _lang()
    return render(request, "incidents/map.html", {
        "map_layers": _map_layers(), "categories": [(c.code, c.name(lang)) for c in categories_with_attributes()]})


@require_http_methods(["GET", "POST"])
def pin_drop(request, key: str):
    try:
        link = hotline.find_pin_drop(key)
    except PortalError as exc:
        return render(request, "incidents/pin.html", {"gone": exc}, status=exc.http_status)
    if request.method == "POST":
        try:
            check_rate(request)
            record_rate(request)
            incident = hotline.do_drop_pin(key=key, lon=request.POST.get("lon"), lat=request.POST.get("lat"))
        except PortalError as exc:
            return render(request, "incidents/pin.html", {"link": link, "error": exc, "map_layers": _map_layers()},
                          status=exc.http_status)
        return HttpResponseRedirect(reverse("incidents:track", args=[incident.tracking_code]))
    return render(request, "incidents/pin.html", {"link": link, "map_layers": _map_layers()})


@login_required
@require_http_methods(["GET", "POST"])
def hotline_console(request):
    if not request.user.has_perm("incidents.record_call"):
        raise PermissionDenied("Only hotline operators can record calls.")  # Django's: a 403 page
    context = _form_context(request)
    if request.method == "POST":
        post = request.POST
        report = Report(channel="hotline", category=post.get("category", ""), description=post.get("description", ""),
                        lon=post.get("lon") or None, lat=post.get("lat") or None, address=post.get("address", ""),
                        reporter_name=post.get("reporter_name", ""), reporter_phone=post.get("reporter_phone", ""),
                        reporter_email=post.get("reporter_email", ""),
                        attributes={k[10:-1]: v for k, v in post.items() if k.startswith("attribute[")})
        try:
            if not report.lon and not report.lat and post.get("send_pin_drop"):
                sent = hotline.do_send_pin_drop(operator=request.user, report=report)
                context.update(pin_drop=sent)
            else:
                context.update(created=hotline.do_record_call(operator=request.user, report=report))
        except PortalError as exc:
            context.update(error=exc, values=dict(post.items()))
            return render(request, "incidents/hotline.html", context, status=exc.http_status)
    return render(request, "incidents/hotline.html", context)
