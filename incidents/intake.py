"""The one way a report comes in, whatever the channel: check everything, then store it whole.

Web form, app API, hotline console, Open311 and (later) camera violations all build a `Report` and call
`do_submit_incident`. Checks run before the first write; the incident, its first events, its media rows
and its receipt are one transaction, and media processing is queued only once that has committed.
"""

import hashlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.errors import InvalidInput

from . import events
from .changes import announce_change
from .conf import conf
from .errors import NoLocation, TextTooLong, UnknownCategory
from .geolocation import Location, point_from
from .inserts import insert_with_children
from .lookup import look_up
from .models import STAFF_CHANNELS, Category, CategoryAttribute, Channel, Incident, IncidentMedia, Status
from .notifications import receipt_for
from .routing import Route, route
from .uploads import CheckedUpload, check_uploads
from .workdays import deadline_for

__all__ = ["Report", "CheckedReport", "check_report", "do_submit_incident", "clean_text", "new_tracking_code",
           "reporter_key_digest", "store_media", "check_category"]

# C0 controls but tab and newlines: PostgreSQL refuses NUL in text, the rest only garble what staff read.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 .()\-]{6,30}$")
# No 0/O, 1/I/L: codes are read over the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass
class Report:
    """What any channel hands in. Strings are raw user input; checking cleans them."""

    category: str
    description: str
    channel: str
    lon: float | str | None = None
    lat: float | str | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    reporter_user: object = None
    recorded_by: object = None
    attributes: dict = field(default_factory=dict)
    media_url: str = ""
    extra: dict = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class CheckedReport:
    report: Report
    category: Category
    location: Location | None
    description: str
    address: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    attributes: dict
    uploads: tuple[CheckedUpload, ...]
    # Who handles it, read with the location (None without a place: do_submit_incident refuses those).
    route: Route | None = None


def clean_text(value, *, field: str, limit: int, required: bool = False) -> str:
    text = _CONTROL.sub("", str(value or "")).strip()
    if required and not text:
        raise InvalidInput(f"{field} is required.", code="required", field=field)
    if len(text) > limit:
        raise TextTooLong(field=field, limit=limit)
    return text


def check_category(code: str, *, field: str = "category", staff: bool = False) -> Category:
    """The active category `code`; one only cameras or staff file (`citizen_reportable` off) only for `staff`."""
    code = str(code or "").strip()
    if not code:
        raise InvalidInput("Choose a category.", code="required", field=field)
    if _CONTROL.search(code):  # no code holds one, and PostgreSQL refuses a NUL outright
        raise UnknownCategory(_CONTROL.sub("", code)[:60], field=field)
    found = Category.objects.active() if staff else Category.objects.for_citizens()
    category = found.filter(code=code).first()
    if category is None:
        raise UnknownCategory(code[:60], field=field)
    return category


def check_attributes(category: Category, given: dict, *, field: str = "attribute",
                     questions: list[CategoryAttribute] | None = None) -> dict:
    """The answers to the category's questions (`questions` when already read, else the category's):
    required ones present, list answers among the listed keys."""
    answers = {}
    given = {str(k): v for k, v in (given or {}).items()}
    for attribute in (questions if questions is not None else category.attributes.all()):
        if not attribute.variable:
            continue
        value = given.pop(attribute.code, None)
        name = f"{field}[{attribute.code}]"
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        values = [clean_text(v, field=name, limit=1000) for v in values]
        values = [v for v in values if v]
        if not values:
            if attribute.required:
                raise InvalidInput(f"{attribute.description}: an answer is required.", code="required", field=name)
            continue
        if attribute.datatype == "number":
            try:
                values = [float(v) for v in values]
            except ValueError:
                raise InvalidInput(f"{attribute.description}: a number is expected.", field=name) from None
            if not all(math.isfinite(v) for v in values):  # "nan", "inf": no number PostgreSQL's JSON keeps
                raise InvalidInput(f"{attribute.description}: a number is expected.", field=name)
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            unknown = [v for v in values if v not in attribute.value_keys()]
            if unknown:
                raise InvalidInput(f"{attribute.description}: {unknown[0]!r} is not one of the choices.",
                                   field=name)
        if attribute.datatype != "multivaluelist" and len(values) > 1:
            raise InvalidInput(f"{attribute.description}: one answer only.", field=name)
        answers[attribute.code] = values if attribute.datatype == "multivaluelist" else values[0]
    if given:
        raise InvalidInput(f"{category.code} has no question {sorted(given)[0]!r}.", code="unknown_attribute",
                           field=f"{field}[{sorted(given)[0]}]"[:100])
    return answers


def check_contact(report: Report) -> tuple[str, str, str]:
    name = clean_text(report.reporter_name, field="reporter_name", limit=200)
    phone = clean_text(report.reporter_phone, field="reporter_phone", limit=30)
    email = clean_text(report.reporter_email, field="reporter_email", limit=254)
    if phone and not _PHONE.match(phone):
        raise InvalidInput("The phone number may hold digits, spaces and + - . ( ) only.", field="reporter_phone")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise InvalidInput("The email address is not valid.", field="reporter_email") from None
    return name, phone, email


def check_report(report: Report, uploads=(), *, need_location: bool = True) -> CheckedReport:
    """Every refusal a report can meet, before anything is written. Without `need_location` (a hotline call
    whose caller will drop a pin later) a missing place is allowed; a given one is still checked."""
    if report.channel not in Channel.values:
        raise InvalidInput(f"Unknown channel {report.channel!r}.", field="channel")
    code = str(report.category or "").strip()
    if not code:
        raise InvalidInput("Choose a category.", code="required", field="category")
    unplaced = report.lon in (None, "") and report.lat in (None, "")
    point, bad_point = None, None
    if need_location or not unplaced:
        try:
            point = point_from(report.lon, report.lat)
        except NoLocation as exc:
            bad_point = exc  # refused in its turn, after the category and the text
    if _CONTROL.search(code):  # no code holds one, and PostgreSQL refuses a NUL outright
        raise UnknownCategory(_CONTROL.sub("", code)[:60])
    # One statement reads the category, its questions, the place and the route; refusals keep their order.
    found = look_up(code, point)
    category = found.category
    if category is None or not (category.citizen_reportable or report.channel in STAFF_CHANNELS):
        raise UnknownCategory(code[:60])
    description = clean_text(report.description, field="description", limit=conf.MAX_DESCRIPTION, required=True)
    address = clean_text(report.address, field="address", limit=conf.MAX_ADDRESS)
    name, phone, email = check_contact(report)
    attributes = check_attributes(category, report.attributes, questions=found.attributes)
    media_url = clean_text(report.media_url, field="media_url", limit=2000)
    report.media_url = media_url
    if bad_point is not None:
        raise bad_point
    location = found.location(point) if point is not None else None
    checked = tuple(check_uploads(uploads))
    return CheckedReport(report=report, category=category, location=location, description=description,
                         address=address, reporter_name=name, reporter_phone=phone, reporter_email=email,
                         attributes=attributes, uploads=checked, route=found.route)


def new_tracking_code() -> str:
    # One draw of 31^8 (one read of the system's randomness, not eight), spelled in the alphabet.
    number, body = secrets.randbelow(len(_CODE_ALPHABET) ** 8), []
    for _ in range(8):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        body.append(_CODE_ALPHABET[digit])
    return f"NT-{''.join(body[:4])}-{''.join(body[4:])}"


def _attach(incident: Incident, uploads: tuple[CheckedUpload, ...], *, purpose: str, uploaded_by=None,
            event=None, saved: list) -> list[IncidentMedia]:
    rows = []
    for upload in uploads:
        location = upload.info.location
        media = IncidentMedia(
            incident=incident, purpose=purpose, kind=upload.info.kind, content_type=upload.info.mime,
            size_bytes=upload.size, sha256=upload.sha256, original_name=upload.name, width=upload.info.width,
            height=upload.info.height, duration_s=upload.info.duration_s, uploaded_by=uploaded_by, event=event,
            exif_lon=location.lon if location else None, exif_lat=location.lat if location else None)
        media.original.save(f"{upload.sha256}.{upload.info.ext}", upload.file, save=False)
        saved.append(media.original)
        media.save(force_insert=True)
        rows.append(media)
    return rows


def queue_processing(media_ids: list[int]) -> None:
    """After commit: each file to the media worker. The report is stored whatever happens to this."""
    if not media_ids:
        return

    def send():
        from .media_tasks import process_media

        for media_id in media_ids:
            process_media.delay(media_id)

    transaction.on_commit(send)


def store_media(incident: Incident, uploads, *, purpose: str, uploaded_by=None, event=None) -> list[IncidentMedia]:
    """Media rows and files inside the caller's transaction; files are removed again if it rolls back."""
    saved: list = []
    try:
        rows = _attach(incident, tuple(uploads), purpose=purpose, uploaded_by=uploaded_by, event=event, saved=saved)
    except BaseException:
        _remove(saved)
        raise
    queue_processing([row.pk for row in rows])
    return rows


def _remove(files) -> None:
    for stored in files:
        if stored.name:
            stored.storage.delete(stored.name)


def reporter_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _first_rows(checked: CheckedReport, incident: Incident, routed: Route) -> list:
    """The rows written with the incident: its submitted (and assigned) events and the reporter's receipt."""
    report = checked.report
    rows = [events.submitted_event(incident=incident, actor=report.recorded_by or report.reporter_user,
                                   channel=report.channel, routed_by=routed.reason, store=False)]
    if not routed.to_triage:
        rows.append(events.assigned_event(incident=incident, actor=None, from_status=Status.SUBMITTED,
                                          agency=routed.agency, reason=routed.reason, store=False))
    receipt = receipt_for(incident)
    if receipt is not None:
        rows.append(receipt)
    return rows


def _store(checked: CheckedReport, incident: Incident, routed: Route) -> None:
    rows = _first_rows(checked, incident, routed)
    if not checked.uploads and not connection.in_atomic_block:
        # One statement, its own transaction: the report is stored whole or not at all, with no BEGIN/COMMIT.
        insert_with_children(incident, rows, fk="incident")
        announce_change(incident, "created")  # on commit, which has happened
        return
    report = checked.report
    saved: list = []
    try:
        # A savepoint inside the caller's transaction: a tracking-code clash is tried again without spoiling it.
        with transaction.atomic():
            insert_with_children(incident, rows, fk="incident")
            media = _attach(incident, checked.uploads, purpose=IncidentMedia.Purpose.REPORT,
                            uploaded_by=report.reporter_user, saved=saved)
            queue_processing([row.pk for row in media])
            announce_change(incident, "created")
    except BaseException:
        _remove(saved)
        raise


def do_submit_incident(checked: CheckedReport) -> Incident:
    """Store a checked report: the incident routed and given its deadline, its first events, media, receipt.

    The returned incident carries `reporter_key`, shown to the reporter once: with the tracking code it
    lets them reopen and rate the report without an account. Only its digest is stored."""
    report, category = checked.report, checked.category
    if checked.location is None:
        raise NoLocation()
    now = report.created_at or timezone.now()
    loc = checked.location
    routed: Route = checked.route if checked.route is not None else route(category, loc)
    incident = Incident(
        tracking_code=new_tracking_code(), category=category, description=checked.description, geom=loc.point,
        address=checked.address, channel=report.channel, reporter_name=checked.reporter_name,
        reporter_phone=checked.reporter_phone, reporter_email=checked.reporter_email,
        reporter_user=report.reporter_user, recorded_by=report.recorded_by, province=loc.province,
        district=loc.district, commune=loc.commune, street_name=loc.street_name[:255], agency=routed.agency,
        status=Status.SUBMITTED if routed.to_triage else Status.ASSIGNED,
        deadline=deadline_for(now, category.deadline_days), public=category.public_by_default,
        attributes=checked.attributes, media_url=report.media_url, extra=report.extra, created_at=now)
    incident.reporter_key = secrets.token_urlsafe(18)
    incident.reporter_key_digest = reporter_key_digest(incident.reporter_key)
    # 31^8 codes: a clash is rare but possible, and then the whole statement (or savepoint) is tried again with a
    # new code.
    for attempt in range(3):
        try:
            _store(checked, incident, routed)
            break
        except IntegrityError as exc:
            if attempt == 2 or "tracking_code" not in str(exc):
                raise
            incident.pk, incident.tracking_code = None, new_tracking_code()
    return incident
