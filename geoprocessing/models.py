"""What the planning adapters keep: the planning information sheets issued, so that their codes can be checked."""

from django.db import models
from django.utils import timezone


class PlanningSheet(models.Model):
    """A planning information sheet (phiếu thông tin quy hoạch) as issued: its code, what it said, its PDF."""

    code = models.CharField(max_length=16, unique=True, help_text="verification code printed on the sheet")
    issued_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateField(help_text="the day the plan was read for")
    layer_slug = models.SlugField(max_length=80)
    layer_version = models.PositiveIntegerField()
    parcel_ext_id = models.CharField(max_length=100)
    commune_name = models.CharField(max_length=255, blank=True, default="")
    sheet_no = models.CharField(max_length=20)
    parcel_no = models.CharField(max_length=20)
    # The public answer as printed (never holders): what the verification page shows.
    answer = models.JSONField()
    answer_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="planning_sheets/")
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("run_planner_queries", "Can run planner queries (parcels, overlays, networks)")]

    def __str__(self) -> str:
        return f"{self.code} ({self.commune_name}, tờ {self.sheet_no} thửa {self.parcel_no})"
