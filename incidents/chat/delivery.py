"""Sending queued replies through each platform's send API, when its gateway is configured.

Rows are claimed with SKIP LOCKED and leased in a short transaction, then sent outside it: two workers never
send one reply twice, no lock is held over the network, and a worker that dies leaves its rows to a later run
once the lease ends. A refusal the platform will repeat (bad recipient, closed window) fails the reply at once;
other failures are tried again with backoff, at most CHAT_SEND_MAX_ATTEMPTS times."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .conf import PLATFORMS, chat_conf
from .gateway import Gateway, SendFailed, gateway_for, post_json
from .models import Conversation, Reply

__all__ = ["deliver_replies", "send_reply", "MESSENGER_WINDOW"]

log = logging.getLogger(__name__)
# Messenger's standard messaging window after the person's last message.
MESSENGER_WINDOW = timedelta(hours=24)
_LEASE = timedelta(minutes=5)


class _Hold(Exception):
    """The platform would refuse this reply as it stands; kept for an operator, not retried."""


def _zalo(gateway: Gateway, reply: Reply) -> None:
    answer = post_json(gateway, {"recipient": {"user_id": reply.conversation.sender_id},
                                 "message": {"text": reply.text}})
    if answer.get("error", 0) != 0:
        # Zalo answers HTTP 200 with an error code, e.g. when the user cannot receive consultation messages.
        raise SendFailed(f"Zalo error {answer.get('error')}: {str(answer.get('message', ''))[:200]}", retry=False)


def _messenger(gateway: Gateway, reply: Reply, *, now: datetime) -> None:
    body = {"recipient": {"id": reply.conversation.sender_id}, "messaging_type": "RESPONSE",
            "message": {"text": reply.text}}
    # The window is the person's, not the conversation's: their latest message in any conversation opens it.
    last = (Conversation.objects.filter(platform=reply.platform, sender_id=reply.conversation.sender_id)
            .aggregate(last=Max("last_inbound_at"))["last"] or reply.conversation.last_inbound_at)
    if now - last > MESSENGER_WINDOW:
        tag = chat_conf.MESSENGER_UPDATE_TAG
        if not tag:
            raise _Hold("outside Messenger's 24-hour window and no message tag configured "
                        "(CHAT_MESSENGER_UPDATE_TAG); reach the citizen another way")
        body.update(messaging_type="MESSAGE_TAG", tag=tag)
    answer = post_json(gateway, body)
    if "error" in answer or "message_id" not in answer:
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        raise SendFailed(f"Messenger error {error.get('code', '?')}: {str(error.get('message', ''))[:200]}",
                         retry=False)


def send_reply(gateway: Gateway, reply: Reply, *, now: datetime) -> None:
    if gateway.platform == "zalo":
        _zalo(gateway, reply)
    else:
        _messenger(gateway, reply, now=now)


def _claim(platform: str, *, batch: int, now: datetime) -> list[Reply]:
    with transaction.atomic():
        rows = list(Reply.objects.due(platform).select_for_update(skip_locked=True, of=("self",))
                    .select_related("conversation").order_by("id")[:batch])
        Reply.objects.filter(pk__in=[r.pk for r in rows]).update(send_after=now + _LEASE)
    return rows


def _finish(reply: Reply, **fields) -> None:
    for name, value in fields.items():
        setattr(reply, name, value)
    reply.save(update_fields=["attempts", *fields])


def deliver_replies(*, batch: int = 50, now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for platform in PLATFORMS:
        gateway = gateway_for(platform)
        if gateway is None:
            continue  # nothing leaves: replies wait, visible on the chat outbox page
        for reply in _claim(platform, batch=batch, now=now):
            reply.attempts += 1
            try:
                send_reply(gateway, reply, now=now)
            except _Hold as exc:
                _finish(reply, state=Reply.State.HELD, last_error=str(exc)[:500])
            except SendFailed as exc:
                final = not exc.retry or reply.attempts >= chat_conf.SEND_MAX_ATTEMPTS
                log.warning("chat reply %s (%s) failed, attempt %s: %s", reply.pk, platform, reply.attempts, exc)
                _finish(reply, state=Reply.State.FAILED if final else Reply.State.WAITING,
                        last_error=str(exc)[:500], send_after=now + timedelta(minutes=2 ** reply.attempts))
            else:
                _finish(reply, state=Reply.State.SENT, sent_at=timezone.now(), last_error="")
                sent += 1
    return sent
