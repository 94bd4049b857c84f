"""A conversation per citizen on a chat app, what they sent, the events already seen, and the replies to send."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    ZALO = "zalo", _("Zalo")
    MESSENGER = "messenger", _("Messenger")


class Conversation(models.Model):
    """What one citizen is telling us, collected message by message until it becomes one incident.

    The sender id is the platform's id for the person (Zalo's user id, Messenger's page-scoped id): personal
    data, never shown to the public and not copied into the incident."""

    class State(models.TextChoices):
        COLLECTING = "collecting", _("Collecting")
        AWAITING_PIN = "awaiting_pin", _("Waiting for the place (pin-drop link sent)")
        SUBMITTED = "submitted", _("Filed as an incident")
        CLOSED = "closed", _("Closed without a report")

    platform = models.CharField(max_length=10, choices=Platform.choices)
    sender_id = models.CharField(max_length=100)
    state = models.CharField(max_length=12, choices=State.choices, default=State.COLLECTING)
    # The category codes offered in the welcome menu, in order: "2" means the same category all conversation.
    menu = models.JSONField(default=list, blank=True)
    category = models.ForeignKey("incidents.Category", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    description = models.TextField(blank=True, default="")
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=500, blank=True, default="")
    # The citizen said "send" before choosing a category: choosing one files the report.
    wants_submit = models.BooleanField(default=False)
    pin_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)  # SHA-256 of the link's key
    pin_expires_at = models.DateTimeField(null=True, blank=True)
    incident = models.OneToOneField("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="chat_conversation")
    # Status changes after this event of the incident are told to the citizen (the receipt told the rest).
    relay_after_event = models.BigIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "sender_id"], name="chat_one_open_conversation",
                                    condition=Q(state__in=["collecting", "awaiting_pin"])),
        ]
        indexes = [models.Index(fields=["platform", "sender_id", "state"])]

    def __str__(self) -> str:
        return f"{self.platform} conversation {self.pk}"


class Attachment(models.Model):
    """A photo or video the platform holds for us: its URL is kept, and fetched only through a configured
    gateway from the platform's allowed media origins, then checked like any upload."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be fetched")
        FETCHED = "fetched", _("Attached to the incident")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Could not be fetched")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="chat_attachments")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    url = models.CharField(max_length=2000)
    declared_size = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    media = models.OneToOneField("incidents.IncidentMedia", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="chat_attachment")
    created_at = models.DateTimeField(default=timezone.now)
    next_try_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} of conversation {self.conversation_id}"

    def platform_name(self) -> str:
        return self.conversation.platform


class SeenEvent(models.Model):
    """An event id a platform has delivered: a second delivery is a replay. Purged once older than the
    timestamp window lets through (chat.purge_seen_events)."""

    platform = models.CharField(max_length=10, choices=Platform.choices)
    event_id = models.CharField(max_length=200)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "event_id"], name="chat_event_seen_once")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.event_id}"


class ReplyQuerySet(models.QuerySet):
    def due(self, platform: str):
        return self.filter(platform=platform, state=Reply.State.WAITING, send_after__lte=timezone.now())

    def waiting(self):
        return self.filter(state__in=(Reply.State.WAITING, Reply.State.HELD))


class Reply(models.Model):
    """A message to the citizen on their chat app, written with the change it tells of; a Celery task sends
    it through the platform's send API once a gateway is configured. Until then it waits, in the admin and on
    the operators' chat outbox page."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        HELD = "held", _("Held (the platform would refuse it)")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome and menu")
        PROMPT = "prompt", _("What is still missing")
        RECEIPT = "receipt", _("Report received")
        PIN_DROP = "pin_drop", _("Pin-drop link")
        REFUSED = "refused", _("Report refused")
        MEDIA = "media", _("About a photo or video")
        STATUS = "status", _("Status changed")
        RESOLUTION = "resolution", _("Resolved")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="chat_replies")
    # The incident event a status reply tells of: one reply per event, however often the relay runs.
    event = models.OneToOneField("incidents.IncidentEvent", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="chat_reply")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [models.Index(fields=["platform", "state", "send_after"])]

    def __str__(self) -> str:
        return f"{self.kind} reply {self.pk} ({self.state})"
