"""From an HTTP request to a Report: the same reading for the API (JSON or multipart), the web form and the
lean JSON path (incidents.lean), with the public-write guards (rate limit per IP, spam trap) for callers who
are not logged in."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from portal.errors import BodyTooLarge, InvalidInput
from portal.ratelimit import client_ip

from .conf import conf
from .intake import Report, check_report, do_submit_incident
from .models import Channel, Incident
from .spam import HONEYPOT_FIELD, check_not_spam, count_public_write

__all__ = ["read_body", "json_fields", "report_from", "submit_from_request", "submit_report", "api_channel",
           "created_body", "max_request_bytes", "APP_CHANNELS"]

# Channels an authenticated integration may name (a Zalo or Messenger bot, the citizen app).
APP_CHANNELS = {Channel.API, Channel.APP, Channel.ZALO, Channel.MESSENGER}
_FIELDS = ("category", "description", "lon", "lat", "address", "reporter_name", "reporter_phone", "reporter_email")


def max_request_bytes() -> int:
    return conf.MAX_VIDEO_BYTES + (conf.MAX_FILES - 1) * conf.MAX_PHOTO_BYTES + 2**20


def read_body(request: HttpRequest) -> tuple[dict, list]:
    """(fields, files) of a JSON or multipart/form-encoded request."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_request_bytes():
        raise BodyTooLarge(f"The request is {length / 2**20:.0f} MB; at most {max_request_bytes() / 2**20:.0f} MB.")
    try:
        if request.content_type == "application/json":
            return json_fields(request.body), []
        data = {key: request.POST.get(key) for key in request.POST}
        data["attributes"] = _form_attributes(request.POST)
        return data, request.FILES.getlist("media")
    except RequestDataTooBig as exc:
        raise BodyTooLarge() from exc


def json_fields(body: bytes) -> dict:
    """The fields of a JSON body, which must be one object."""
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}", field="body") from exc
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", field="body")
    return data


def _form_attributes(post) -> dict:
    """attribute[code]=value fields (Open311's way, and the form's), or one JSON `attributes` field."""
    found = {}
    for key in post:
        if key.startswith("attribute[") and key.endswith("]"):
            values = post.getlist(key)
            found[key[10:-1]] = values if len(values) > 1 else values[0]
    if post.get("attributes"):
        try:
            given = json.loads(post["attributes"])
        except ValueError as exc:
            raise InvalidInput("attributes must be a JSON object.", field="attributes") from exc
        if not isinstance(given, dict):
            raise InvalidInput("attributes must be a JSON object.", field="attributes")
        found.update(given)
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise InvalidInput("Expected text, not a list or object.", field="body")
    return str(value)


def report_from(data: dict, *, channel: str) -> Report:
    for name in ("lon", "lat"):
        if isinstance(data.get(name), dict | list | bool):
            raise InvalidInput(f"{name} must be a number.", field=name)
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise InvalidInput("attributes must be an object of answers.", field="attributes")
    values = {name: _text(data.get(name)) for name in _FIELDS if name not in ("lon", "lat")}
    return Report(channel=channel, lon=data.get("lon"), lat=data.get("lat"), attributes=attributes, **values)


def api_channel(data: dict, user) -> str:
    """The channel an API caller names: api for anyone, the others for integrations with a token only."""
    channel = str(data.get("channel") or "api")
    anonymous = user is None or not user.is_authenticated
    if channel not in APP_CHANNELS or (anonymous and channel != "api"):
        raise InvalidInput("channel is one of api, app, zalo, messenger (integrations with a token only, "
                           "except api).", field="channel")
    return channel


def submit_report(*, data: dict, files: list, channel: str, user, ip: str) -> Incident:
    """Anonymous callers pass the rate limit and the spam trap first; logged-in citizens report as themselves,
    staff integrations record on the citizen's behalf."""
    anonymous = user is None or not user.is_authenticated
    if anonymous:
        # Every attempt counts, refused ones too: a flood of bad posts is still a flood.
        count_public_write(ip)
        check_not_spam(honeypot=_text(data.get(HONEYPOT_FIELD)), ticket=_text(data.get("ticket")))
    report = report_from(data, channel=channel)
    if not anonymous:
        # Staff belong to an organisation, citizens to none: no permission lookup on the hot path.
        if user.org_unit_id is not None:
            report.recorded_by = user
        else:
            report.reporter_user = user
            report.reporter_email = report.reporter_email or user.email
    return do_submit_incident(check_report(report, files))


def submit_from_request(request: HttpRequest, *, data: dict, files: list, channel: str) -> Incident:
    return submit_report(data=data, files=files, channel=channel, user=getattr(request, "user", None),
                         ip=client_ip(request))


def created_body(incident: Incident) -> dict:
    """What the submitter gets back: the tracking code and, once only, the reporter key."""
    return {"tracking_code": incident.tracking_code, "reporter_key": incident.reporter_key,
            "status": incident.status, "deadline": incident.deadline, "agency": incident.agency.name
            if incident.agency_id else "", "track_url": f"/incidents/track/{incident.tracking_code}"}
