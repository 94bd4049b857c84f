"""What the open-data portal keeps: a dataset's extra metadata, the downloads it built (by layer version, with
their SHA-256), how often each was downloaded, and the offline bundles it built."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    """DCAT-AP frequencies (EU Publications Office vocabulary), as harvesters expect them."""

    CONTINUOUS = "UPDATE_CONT", _("Continuously")
    DAILY = "DAILY", _("Daily")
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")
    ANNUAL = "ANNUAL", _("Yearly")
    IRREGULAR = "IRREG", _("Irregularly")


class DatasetInfo(models.Model):
    """The open-data metadata a layer's catalog entry lacks."""

    layer = models.OneToOneField("layers.Layer", on_delete=models.CASCADE, related_name="opendata")
    update_frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.IRREGULAR)
    keywords = models.CharField(max_length=300, blank=True, default="", help_text="comma-separated")
    contact = models.CharField(max_length=200, blank=True, default="", help_text="an office, never a person")

    def __str__(self) -> str:
        return f"open data of {self.layer_id}"


class CachedDownload(models.Model):
    """One dataset in one format at one version, written once and served from disk until the version changes."""

    dataset = models.CharField(max_length=80)
    version = models.CharField(max_length=40)
    format = models.CharField(max_length=10)
    path = models.CharField(max_length=300, help_text="under settings.OPENDATA_CACHE_DIR")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    features = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dataset", "format"]
        constraints = [models.UniqueConstraint(fields=["dataset", "version", "format"],
                                               name="cacheddownload_unique")]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.version}.{self.format}"


class DownloadCount(models.Model):
    dataset = models.CharField(max_length=80)
    format = models.CharField(max_length=10)
    count = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "format"]
        constraints = [models.UniqueConstraint(fields=["dataset", "format"], name="downloadcount_unique")]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.format}: {self.count}"
