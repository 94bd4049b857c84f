"""The incident: one citizen report, wherever it came from, and where it stands."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .categories import Category


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("App / API")
    HOTLINE = "hotline", _("Hotline")
    OPEN311 = "open311", _("Open311")
    CAMERA = "camera", _("Camera")
    ZALO = "zalo", _("Zalo")
    MESSENGER = "messenger", _("Messenger")
    APP = "app", _("Citizen app")


# Channels through which staff or machines file reports; every other channel is a citizen's.
STAFF_CHANNELS = frozenset({Channel.HOTLINE, Channel.CAMERA})


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Still someone's work; everything else is finished (closed, rejected) or waiting on the citizen (resolved).
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
FINISHED_STATUSES = (Status.REJECTED, Status.CLOSED)


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)

    def public(self):
        return self.filter(public=True, merged_into__isnull=True).exclude(status=Status.REJECTED)

    def in_triage(self):
        """The IOC's triage queue: open and assigned to no agency."""
        return self.open().filter(agency__isnull=True)

    def of_agency(self, org_unit_id: int):
        return self.filter(agency_id=org_unit_id)

    def overdue(self, now=None):
        return self.open().filter(deadline__lt=now or timezone.now())

    def near_deadline(self, within, now=None):
        now = now or timezone.now()
        return self.open().filter(deadline__gte=now, deadline__lt=now + within)


class Incident(models.Model):
    tracking_code = models.CharField(max_length=16, unique=True)
    # The Open311 token for the request, known from the moment it is stored.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    description = models.TextField()
    # One GiST index on it, named in Meta.indexes: the field's own spatial index was a second one on every insert.
    geom = models.PointField(srid=4326, spatial_index=False)
    geom_3857 = models.GeneratedField(expression=Transform("geom", 3857),
                                      output_field=models.PointField(srid=3857), db_persist=True)
    address = models.CharField(max_length=500, blank=True, default="", help_text="as the reporter gave it")
    channel = models.CharField(max_length=10, choices=Channel.choices)

    # Reporter identity: private. Only dispatchers and the assigned agency see it, and each view is logged.
    reporter_name = models.CharField(max_length=200, blank=True, default="")
    reporter_phone = models.CharField(max_length=30, blank=True, default="")
    reporter_email = models.EmailField(blank=True, default="")
    reporter_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="reported_incidents")
    # SHA-256 of the key handed to the reporter once, at submission: it lets them reopen and rate without an account.
    reporter_key_digest = models.CharField(max_length=64, blank=True, default="")
    # The staff member who recorded it (hotline operator), or the API token's owner.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="recorded_incidents")

    province = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    district = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    commune = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    street_name = models.CharField(max_length=255, blank=True, default="")

    # Null: the IOC's triage queue.
    agency = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="incidents")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    deadline = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    public = models.BooleanField(default=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="duplicates")

    # Open311 extras: answers to the category's attributes, and a media_url kept as text, never fetched.
    attributes = models.JSONField(blank=True, default=dict)
    media_url = models.CharField(max_length=2000, blank=True, default="")
    extra = models.JSONField(blank=True, default=dict, help_text="channel details (device_id, account_id, …)")

    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("dispatch_incident", "Can triage, assign, reject, merge and close any incident"),
            ("handle_incident", "Can work on the incidents of one's own agency"),
            ("view_reporter", "Can see the reporter's name, phone and email (each view is logged)"),
            ("record_call", "Can record hotline calls"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["created_at"]),
            GistIndex(fields=["geom"], name="incident_geom_gist"),
            GistIndex(fields=["geom_3857"], name="incident_geom_3857_gist"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="incident_rating_1_5"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
