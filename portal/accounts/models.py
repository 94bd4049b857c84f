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


class AuditEventQuerySet(models.QuerySet):
    def personal_data_views(self):
        return self.filter(action__in=AuditEvent.PERSONAL_DATA_VIEWS)

    def about(self, object_type: str, object_id) -> "AuditEventQuerySet":
        return self.filter(object_type=object_type, object_id=str(object_id))


class AuditEvent(models.Model):
    """One admin action or one look at personal data: who, what, on which object, from where, when.

    Written by portal.accounts.audit only, once: PostgreSQL refuses to change or delete a row (migration 0002),
    except the SET NULL of `actor` when an account is deleted (`actor_name` keeps who it was)."""

    class Action(models.TextChoices):
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        LAYER_STYLE_SAVED = "layer_style_saved", _("Layer style saved")
        LAYER_IMPORT_STARTED = "layer_import_started", _("Layer import started")
        CAMERA_CALIBRATION_SAVED = "camera_calibration_saved", _("Camera calibration saved")
        CAMERA_RULES_SAVED = "camera_rules_saved", _("Camera rules saved")
        INCIDENT_ASSIGNED = "incident_assigned", _("Incident assigned")
        INCIDENT_MERGED = "incident_merged", _("Incident merged")
        INCIDENT_BULK_ACTION = "incident_bulk_action", _("Bulk action on incidents")
        REPORTER_CONTACT_VIEWED = "reporter_contact_viewed", _("Reporter's contact viewed")
        INCIDENT_ORIGINAL_VIEWED = "incident_original_viewed", _("Original incident photo or video viewed")
        VIOLATION_EVIDENCE_VIEWED = "violation_evidence_viewed", _("Violation evidence viewed (plates readable)")

    PERSONAL_DATA_VIEWS = (Action.REPORTER_CONTACT_VIEWED, Action.INCIDENT_ORIGINAL_VIEWED,
                           Action.VIOLATION_EVIDENCE_VIEWED)

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username then; empty for the system.")
    action = models.CharField(max_length=40, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=100)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_at"),
                   models.Index(fields=["actor", "at"], name="audit_actor_at"),
                   models.Index(fields=["action", "at"], name="audit_action_at")]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.object_type} {self.object_id}"
