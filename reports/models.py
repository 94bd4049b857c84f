"""Report runs and their files, newsletter subscriptions, and the newsletter's outbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportRunQuerySet(models.QuerySet):
    def finished(self):
        return self.filter(status=ReportRun.Status.DONE)


class ReportRun(models.Model):
    """One report of one kind for one area and period. The key is unique: running it again rewrites this row and
    its files, and since figures are read from the append-only history, they come out the same."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly operating report")
        NEWSLETTER = "newsletter", _("Monthly newsletter")
        ADHOC = "adhoc", _("Ad-hoc report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    area_level = models.CharField(max_length=10)
    area_code = models.CharField(max_length=40)
    area_name = models.CharField(max_length=255)
    area = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The IOC the scheduled run was made for (empty for ad-hoc runs).
    org_unit = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="report_runs")
    first_day = models.DateField()
    last_day = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=100, blank=True, default="")
    figures = models.JSONField(blank=True, default=dict)
    # SHA-256 of the figures as canonical JSON: two runs of one period compare by it.
    digest = models.CharField(max_length=64, blank=True, default="")
    runs = models.PositiveIntegerField(default=0, help_text="how many times it was computed")
    error = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "kind", "area_level", "area_name"]
        permissions = [("run_report", "Can request ad-hoc reports and run scheduled ones again")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "area_level", "area_code", "first_day", "last_day"],
                                    name="reportrun_unique_period"),
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")),
                                   name="reportrun_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_name} {self.first_day}–{self.last_day}"


class ReportFile(models.Model):
    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        EMAIL = "email", _("HTML e-mail")
        MAP_PNG = "map.png", _("Map picture (e-mail)")
        TREND_PNG = "trend.png", _("Trend chart (e-mail)")
        MAP_JS = "map.js", _("Interactive map's script (web page)")

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=12, choices=Format.choices)
    path = models.CharField(max_length=300, help_text="under settings.REPORTS_DIR")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "format"]
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="reportfile_unique_format")]

    def __str__(self) -> str:
        return f"{self.run_id}.{self.format}"


class NewsletterSubscription(models.Model):
    """An org unit that receives the monthly newsletter; its active members with an e-mail address get it."""

    org_unit = models.OneToOneField("accounts.OrgUnit", on_delete=models.CASCADE, related_name="newsletter")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["org_unit"]

    def __str__(self) -> str:
        return f"newsletter → {self.org_unit}"


class NewsletterMessageQuerySet(models.QuerySet):
    def due(self):
        return self.filter(status=NewsletterMessage.State.PENDING, send_after__lte=timezone.now())


class NewsletterMessage(models.Model):
    """The newsletter's outbox: one row per issue and recipient, queued with the run, sent by the beat."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="messages")
    org_unit = models.ForeignKey("accounts.OrgUnit", null=True, on_delete=models.SET_NULL, related_name="+")
    to = models.EmailField()
    status = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NewsletterMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "send_after"])]
        constraints = [models.UniqueConstraint(fields=["run", "to"], name="newslettermessage_once_per_issue")]

    def __str__(self) -> str:
        return f"{self.run_id} → {self.to}"
