"""Replies to the citizen, queued in the transaction of the change they tell of; sent by chat.deliver_replies
once committed (kicked after commit, and by the beat), and only when the platform's gateway is configured;
otherwise they wait, visible to staff."""

from django.db import IntegrityError, transaction

from .conf import chat_conf
from .gateway import gateway_for
from .models import Conversation, Reply

__all__ = ["queue_reply", "kick_delivery"]


def kick_delivery(platform: str) -> None:
    """After commit: one delivery run now rather than at the next beat, if anything can be sent at all."""
    if gateway_for(platform) is None:
        return

    def send():
        from .tasks import deliver_replies_task

        deliver_replies_task.delay()

    transaction.on_commit(send)


def queue_reply(conversation: Conversation, *, kind: str, text: str, incident=None, event=None,
                dedupe_key: str | None = None) -> Reply | None:
    """One reply row; None when one with the same dedupe key (or for the same event) exists already. The caller
    kicks delivery once its transaction is done with (kick_delivery), not once per reply."""
    reply = Reply(conversation=conversation, platform=conversation.platform, kind=kind,
                  text=text[:chat_conf.TEXT_LIMIT], incident=incident, event=event, dedupe_key=dedupe_key)
    if dedupe_key is None and event is None:
        reply.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                reply.save(force_insert=True)
        except IntegrityError:
            return None
    return reply
