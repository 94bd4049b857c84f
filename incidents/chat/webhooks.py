"""The webhook endpoints at /api/chat/: Zalo OA and Facebook Messenger. Each request's signature is checked on
the raw body before anything else is believed; then the timestamps, the event ids and the events themselves.
Answers: 200 with counts, or the project's error shape with 400 (not JSON), 401 (signature), 403 (timestamp),
409 (replay), 413 (attachments), 422 (unknown event), 503 (channel not configured)."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from ninja import Router

from portal.errors import BodyTooLarge

from . import messenger, zalo
from .conf import chat_conf
from .errors import BadSignature, ChannelNotConfigured
from .payloads import load_object
from .receive import do_receive
from .signatures import messenger_signature_ok, zalo_signature_ok

__all__ = ["router"]

router = Router()


def _raw_body(request) -> bytes:
    limit = chat_conf.MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise BodyTooLarge(f"A webhook delivery is at most {limit // 1024} KB.")
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise BodyTooLarge() from exc
    if len(body) > limit:
        raise BodyTooLarge(f"A webhook delivery is at most {limit // 1024} KB.")
    return body


@router.post("/zalo/webhook", auth=None, summary="Zalo Official Account webhook (X-ZEvent-Signature)")
def zalo_webhook(request):
    app_id, secret = chat_conf.ZALO_APP_ID, chat_conf.ZALO_OA_SECRET_KEY
    if not app_id or not secret:
        raise ChannelNotConfigured()
    body = _raw_body(request)
    # Zalo's MAC covers a field of the body (its timestamp): the JSON is read first, believed only once it checks.
    data = load_object(body)
    body_app_id, timestamp = zalo.signed_fields(data)
    if not zalo_signature_ok(request.headers.get("X-ZEvent-Signature"), app_id=app_id, body=body,
                             timestamp=timestamp, oa_secret_key=secret):
        raise BadSignature()
    if body_app_id != app_id:
        raise BadSignature("The delivery is for another Zalo app.")
    return do_receive(zalo.PLATFORM, zalo.read_events(data))


@router.get("/messenger/webhook", auth=None, summary="Messenger subscription handshake (hub.challenge)")
def messenger_handshake(request):
    challenge = messenger.verify_subscription(request.GET, chat_conf.MESSENGER_VERIFY_TOKEN)
    if challenge is None:
        return HttpResponse("verification failed", status=403, content_type="text/plain")
    return HttpResponse(challenge, content_type="text/plain")


@router.post("/messenger/webhook", auth=None, summary="Messenger Page webhook (X-Hub-Signature-256)")
def messenger_webhook(request):
    secret = chat_conf.MESSENGER_APP_SECRET
    if not secret:
        raise ChannelNotConfigured()
    body = _raw_body(request)
    if not messenger_signature_ok(body, request.headers.get("X-Hub-Signature-256"), secret):
        raise BadSignature()
    return do_receive(messenger.PLATFORM, messenger.read_events(load_object(body)))
