"""Read-only admin of the chat channels: conversations, what citizens sent, and the replies that wait.

Platform user ids are personal data and stay out of the admin's lists and forms."""

from django.contrib import admin

from portal.readonly_admin import ReadOnlyAdmin

from .models import Attachment, Conversation, Reply


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "platform", "state", "category", "incident", "last_inbound_at", "created_at")
    list_filter = ("platform", "state")
    exclude = ("sender_id", "pin_digest")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "state", "incident", "attempts", "error", "created_at")
    list_filter = ("state", "kind")


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ("pk", "platform", "kind", "state", "incident", "attempts", "last_error", "created_at", "sent_at")
    list_filter = ("state", "platform", "kind")
    search_fields = ("incident__tracking_code",)
