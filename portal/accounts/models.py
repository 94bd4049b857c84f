"""Users, organisation units and API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """A body that owns data and work: the province IOC, a district IOC, or an agency."""

    class Kind(models.TextChoices):
        PROVINCE_IOC = "province_ioc", _("Province IOC")
        DISTRICT_IOC = "district_ioc", _("District IOC")
        AGENCY = "agency", _("Agency")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The territory it serves; later features scope incidents and data by it.
    admin_unit = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="org_units")

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")

    @property
    def roles(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        unexpired = models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        return self.filter(unexpired, revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; the key is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters of the key, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
