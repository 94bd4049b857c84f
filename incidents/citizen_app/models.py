"""Idempotency keys of the citizen app: one row per draft that reached the server, holding what it became."""

from django.db import models
from django.utils import timezone


class SubmissionKey(models.Model):
    """A draft's idempotency key, stored only as its SHA-256, with a fingerprint of what was sent under it.

    The reporter key of the incident is shown to the citizen once; a retry whose first answer was lost must get
    it again, so it is kept sealed with a pad derived from the idempotency key, which only the citizen's device
    holds: the row alone reveals nothing."""

    key_digest = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    sealed_reporter_key = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"submission key {self.pk}"
