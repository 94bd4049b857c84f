"""Messages to send (emails, reminders), written in the same transaction as the change that causes them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def due(self):
        return self.filter(status=OutboxMessage.State.PENDING, send_after__lte=timezone.now())


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Report received")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned to agency")
        REMINDER = "reminder", _("Deadline near")
        OVERDUE = "overdue", _("Deadline passed")
        ESCALATION = "escalation", _("Escalated")
        PIN_DROP = "pin_drop", _("Pin-drop link")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="outbox")
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # One message per reason: a second reminder for the same incident and deadline is not queued twice.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "send_after"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"
