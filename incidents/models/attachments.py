"""Photos and videos attached to an incident: the private original and the redacted public copies."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import private_media_storage, public_media_storage
from .incidents import Incident


def _original_path(instance, filename: str) -> str:
    # Intake names the file <sha256>.<sniffed ext>; the name the citizen's device gave it stays in original_name.
    return f"{timezone.now():%Y/%m}/{instance.incident_id}/{filename}"


class IncidentMedia(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Purpose(models.TextChoices):
        REPORT = "report", _("Sent with the report")
        RESOLUTION = "resolution", _("Proof of resolution")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="media")
    # Set for resolution photos: the event they prove.
    event = models.ForeignKey("incidents.IncidentEvent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="media")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.REPORT)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Sniffed from the content at intake, never taken from the name or the client's header.
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(max_length=255, blank=True, default="")
    original = models.FileField(storage=private_media_storage, upload_to=_original_path, max_length=300)
    # Re-encoded, EXIF stripped, faces and plates blurred: the only bytes that ever leave to the public.
    public_copy = models.FileField(storage=public_media_storage, blank=True, default="", max_length=300)
    thumbnail = models.FileField(storage=public_media_storage, blank=True, default="", max_length=300)
    public_content_type = models.CharField(max_length=100, blank=True, default="")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    # Where the photo's EXIF says it was taken (a suggestion only; the report's point is the citizen's).
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    # What processing did (faces/plates blurred, codec…), for staff.
    info = models.JSONField(blank=True, default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "created_at", "id"]
        verbose_name_plural = "incident media"
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} of {self.incident_id}"

    @property
    def is_public_ready(self) -> bool:
        return self.status == self.State.READY and bool(self.public_copy)
