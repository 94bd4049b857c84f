"""The incident's history: one append-only row per thing that happened; the citizen's timeline reads it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    ESCALATED = "escalated", _("Escalated")
    STARTED = "started", _("Work started")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    NOTE_PUBLIC = "note_public", _("Public note")
    NOTE_INTERNAL = "note_internal", _("Internal note")
    MERGED = "merged", _("Merged into another report")
    RATED = "rated", _("Rated")
    REMINDED = "reminded", _("Deadline reminder")


class EventQuerySet(models.QuerySet):
    def public(self):
        return self.filter(public=True)


class IncidentEvent(models.Model):
    """Rows are only ever inserted (a database trigger refuses UPDATE); see incidents.events for writers."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # Who did it, as the citizen may read it: "citizen", "system", an agency's name. Never a person's name.
    actor_label = models.CharField(max_length=200, blank=True, default="")
    public = models.BooleanField(default=True)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    agency = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    note = models.TextField(blank=True, default="")
    data = models.JSONField(blank=True, default=dict)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "at", "id"]
        indexes = [models.Index(fields=["incident", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.incident_id} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("incident events are append-only")
        super().save(*args, **kwargs)
