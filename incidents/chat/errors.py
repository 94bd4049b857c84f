"""Why a webhook request is refused: each with its status, so the platform (and whoever tests it) knows."""

from portal.errors import PortalError

__all__ = ["ChatError", "ChannelNotConfigured", "BadSignature", "StaleEvent", "ReplayedEvent", "MalformedPayload",
           "UnknownEvent", "TooManyAttachments", "AttachmentTooLarge"]


class ChatError(PortalError):
    code = "chat_error"


class ChannelNotConfigured(ChatError):
    code = "channel_not_configured"
    http_status = 503
    user_msg = "This chat channel is not configured on the portal."


class BadSignature(ChatError):
    code = "bad_signature"
    http_status = 401
    user_msg = "The request's signature does not match its body."


class StaleEvent(ChatError):
    code = "stale_event"
    http_status = 403
    user_msg = "The event's timestamp is outside the accepted window."


class ReplayedEvent(ChatError):
    code = "replayed_event"
    http_status = 409
    user_msg = "These events were received before."


class MalformedPayload(ChatError):
    code = "malformed_payload"
    http_status = 400
    user_msg = "The body is not a webhook payload of this platform."


class UnknownEvent(ChatError):
    code = "unknown_event"
    http_status = 422
    user_msg = "Unknown event type."


class TooManyAttachments(ChatError):
    code = "too_many_attachments"
    http_status = 413

    def __init__(self, *, limit: int):
        super().__init__(f"At most {limit} photos or videos per report.", field="attachments")


class AttachmentTooLarge(ChatError):
    code = "attachment_too_large"
    http_status = 413

    def __init__(self, *, size: int, limit: int):
        super().__init__(f"The attachment is {size / 2**20:.1f} MB; at most {limit / 2**20:.0f} MB.",
                         field="attachments")
