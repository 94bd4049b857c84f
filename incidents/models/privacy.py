"""Followers and one-time pin-drop links. (Looks at reporters' personal data are in the portal's audit log,
portal.accounts.audit.)"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Follower(models.Model):
    """A citizen who asked to hear about an incident's public progress."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField()
    # Lets the follower stop by a link in the mail, without an account.
    unsubscribe_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "email"], name="follower_unique_email")]

    def __str__(self) -> str:
        return f"follower of {self.incident_id}"


class PinDropLink(models.Model):
    """A one-time link a hotline operator sends a caller who cannot say where the problem is.

    The call is kept as a draft (category, description, contact) until the caller drops the pin: only
    then does intake create the incident, so an unlocated report never half-exists."""

    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the key in the link
    draft = models.JSONField(default=dict, help_text="the report as the operator recorded it, without a place")
    sent_to = models.CharField(max_length=254, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    incident = models.OneToOneField("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="pin_drop_link")

    def __str__(self) -> str:
        return f"pin-drop link {self.pk}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
