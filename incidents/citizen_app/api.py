"""The citizen app's API at /api/app/: a report sent once per draft, whatever the network does.

Anonymous like the web form, with its guards (rate limit per address, hidden field, form ticket), except that a
retry of a draft already filed is answered from the key before the guards: the citizen's phone may come back
online hours later, after the ticket has aged."""

from django.core.exceptions import RequestDataTooBig
from ninja import Router, Status

from incidents.conf import conf
from incidents.spam import HONEYPOT_FIELD, check_not_spam, check_rate, record_rate
from portal.errors import BodyTooLarge

from .idempotency import FIELDS, Submitted, check_key, do_submit_once, find_replay, fingerprint

__all__ = ["router"]

router = Router()


def _max_bytes() -> int:
    return conf.MAX_VIDEO_BYTES + (conf.MAX_FILES - 1) * conf.MAX_PHOTO_BYTES + 2**20


def _read(request) -> tuple[dict, list]:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _max_bytes():
        raise BodyTooLarge(f"The report is {length / 2**20:.0f} MB; at most {_max_bytes() / 2**20:.0f} MB.")
    try:
        data = {name: request.POST.get(name, "") for name in (*FIELDS, "ticket", HONEYPOT_FIELD)}
        return data, request.FILES.getlist("media")
    except RequestDataTooBig as exc:
        raise BodyTooLarge() from exc


def _body(submitted: Submitted) -> dict:
    incident = submitted.incident
    return {"tracking_code": incident.tracking_code, "reporter_key": submitted.reporter_key,
            "status": incident.status, "deadline": incident.deadline, "replayed": submitted.replayed,
            "track_url": f"/incidents/track/{incident.tracking_code}"}


@router.post("/reports", auth=None, response={200: dict, 201: dict},
             summary="File a draft from the citizen app (multipart, Idempotency-Key header): once, however often sent",
             openapi_extra={"parameters": [{"in": "header", "name": "Idempotency-Key", "required": True,
                                            "schema": {"type": "string"}}]})
def submit(request):
    key = check_key(request.headers.get("Idempotency-Key"))
    data, files = _read(request)
    fp = fingerprint(data, files)
    replay = find_replay(key, fp)
    if replay is not None:
        return Status(200, _body(replay))
    check_rate(request)
    record_rate(request)  # every attempt counts, refused ones too
    check_not_spam(honeypot=data.get(HONEYPOT_FIELD, ""), ticket=data.get("ticket", ""))
    submitted = do_submit_once(key=key, fp=fp, data=data, files=files)
    return Status(200 if submitted.replayed else 201, _body(submitted))
