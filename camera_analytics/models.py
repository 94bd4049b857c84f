"""Per camera: its calibration and rules; per clip or stream chunk: the analysis run, the violations it found with
their evidence files, and the vehicles counted each hour.

Cameras live in a table partitioned by layer, which no foreign key can target, and a replace import of the
camera layer gives them new ids: so rows name their camera by its layer and its ext_id (the source's own key,
which re-imports keep). Runs and violations also keep the camera's id at the time, without a constraint.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core.calibration import Calibration, PointPair
from .core.rules import KINDS
from .storage import private_storage, public_storage

__all__ = ["CameraView", "CameraCalibration", "CameraRule", "AnalysisRun", "Violation", "ViolationEvidence",
           "HourlyCount"]


def _frame_path(instance, filename: str) -> str:
    return f"frames/{instance.layer_id}/{filename}"


class OfCameraQuerySet(models.QuerySet):
    def of_camera(self, camera):
        return self.filter(layer_id=camera.layer_id, camera_ext_id=camera.ext_id)


class _OfCamera(models.Model):
    layer = models.ForeignKey("layers.Layer", on_delete=models.CASCADE, related_name="+")
    camera_ext_id = models.CharField(max_length=100)

    objects = OfCameraQuerySet.as_manager()

    class Meta:
        abstract = True

    def set_camera(self, camera) -> None:
        self.layer_id, self.camera_ext_id = camera.layer_id, camera.ext_id


class CameraView(_OfCamera):
    """A frame of what the camera sees: calibration pairs and rules are clicked on it."""

    # Private: it may show people and plates.
    frame = models.FileField(storage=private_storage, upload_to=_frame_path, max_length=300)
    frame_width = models.PositiveIntegerField()
    frame_height = models.PositiveIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "camera_ext_id"], name="cameraview_one_per_camera")]

    def __str__(self) -> str:
        return f"view of {self.camera_ext_id}"


class CameraCalibration(_OfCamera):
    """The homography from the reference frame's pixels to the ground, fitted on clicked point pairs."""

    frame_width = models.PositiveIntegerField()
    frame_height = models.PositiveIntegerField()
    # [{"u": px, "v": px, "lon": °, "lat": °}, …] as clicked
    pairs = models.JSONField(default=list)
    matrix = ArrayField(models.FloatField(), size=9)
    origin_lon = models.FloatField()
    origin_lat = models.FloatField()
    errors_m = ArrayField(models.FloatField(), default=list, help_text="per pair, metres on the ground")
    rms_m = models.FloatField()
    max_m = models.FloatField()
    calibrated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "camera_ext_id"],
                                               name="cameracalibration_one_per_camera")]

    def __str__(self) -> str:
        return f"calibration of {self.camera_ext_id}"

    def as_core(self) -> Calibration:
        return Calibration(matrix=tuple(self.matrix), origin=(self.origin_lon, self.origin_lat),
                           frame_size=(self.frame_width, self.frame_height),
                           pairs=tuple(PointPair(p["u"], p["v"], p["lon"], p["lat"]) for p in self.pairs))


class CameraRule(_OfCamera):
    """One rule drawn on the camera's reference frame, kept as the dict the core reads (`core.rules`)."""

    kind = models.CharField(max_length=16, choices=[(k, k) for k in KINDS])
    name = models.CharField(max_length=100)
    definition = models.JSONField()
    # The size of the frame its pixels refer to.
    frame_width = models.PositiveIntegerField()
    frame_height = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["layer", "camera_ext_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["layer", "camera_ext_id", "kind", "name"],
                                               name="camerarule_unique_name")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def _camera_at_the_time(related_name: str):
    # No constraint (see the module's note); the row outlives the camera's id.
    return models.ForeignKey("layers.Camera", on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name=related_name)


class AnalysisRun(_OfCamera):
    """One clip, or one chunk of a camera's stream, through the pipeline on a worker."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        FILE = "file", _("Video file")
        STREAM = "stream", _("Stream chunk")

    camera = _camera_at_the_time("analysis_runs")
    source_kind = models.CharField(max_length=6, choices=Source.choices, default=Source.FILE)
    # Private: a path on the workers' shared storage, or the camera's stream (never shown outside staff pages).
    source = models.CharField(max_length=1000)
    source_name = models.CharField(max_length=255, blank=True, default="")
    source_sha256 = models.CharField(max_length=64, blank=True, default="", db_index=True)
    upload = models.FileField(storage=private_storage, upload_to="clips/%Y/%m", blank=True, default="",
                              max_length=300)
    recorded_at = models.DateTimeField(help_text="when the clip's first frame was recorded")
    start_frame = models.PositiveIntegerField(default=0)
    stop_frame = models.PositiveIntegerField(null=True, blank=True)
    max_seconds = models.FloatField(null=True, blank=True, help_text="stream chunks: how long to read")
    # The Celery task that made a stream chunk's run: a delivery of it again (its worker died) takes up the same
    # run instead of starting a second one beside a run left "running" forever.
    task_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    file_incidents = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    frames_done = models.PositiveIntegerField(default=0)
    frames_total = models.PositiveIntegerField(null=True, blank=True)
    # counts, tracks, speeds, timings: what the run found, also when it files nothing
    summary = models.JSONField(blank=True, default=dict)
    error = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Deliveries begun (a worker killed part-way gets the run again): a video that kills its worker every time
    # is not tried forever.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set in the transaction that stores the violations and counts: a run delivered again after it only files
    # the incidents still missing, and never stores or counts twice.
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["layer", "camera_ext_id", "status"])]

    def __str__(self) -> str:
        return f"run {self.pk} of camera {self.camera_id}"

    @property
    def progress(self) -> float | None:
        if not self.frames_total:
            return None
        return min(1.0, self.frames_done / self.frames_total)


class Violation(_OfCamera):
    class Kind(models.TextChoices):
        WRONG_WAY = "wrong_way", _("Wrong way")
        NO_STOPPING = "no_stopping", _("Stopped in a no-stopping zone")
        SPEEDING = "speeding", _("Speeding")
        RED_LIGHT = "red_light", _("Crossed on red")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="violations")
    camera = _camera_at_the_time("violations")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    rule = models.CharField(max_length=100)
    track_id = models.PositiveIntegerField()
    frame = models.PositiveIntegerField()
    observed_at = models.DateTimeField()
    pixel_u = models.FloatField()
    pixel_v = models.FloatField()
    geom = models.PointField(srid=4326, null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)
    details = models.JSONField(blank=True, default=dict)
    plates_found = models.PositiveIntegerField(default=0)
    plates_assumed = models.PositiveIntegerField(default=0)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="camera_violations")
    # Why no incident was filed (outside the province, no calibration…), for staff.
    incident_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["run", "track_id", "kind"], name="violation_once_per_track")]
        indexes = [models.Index(fields=["layer", "camera_ext_id", "observed_at"]),
                   models.Index(fields=["kind", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} by track {self.track_id} of run {self.run_id}"


def _evidence_path(instance, filename: str) -> str:
    return f"{timezone.now():%Y/%m}/{instance.violation.run_id}/{filename}"


class ViolationEvidence(models.Model):
    class Role(models.TextChoices):
        STILL = "still", _("Still with the vehicle's box")
        CLIP = "clip", _("Clip")
        FIRST_SEEN = "first_seen", _("When it stopped")
        STILL_PUBLIC = "still_public", _("Still, plates blurred")
        CLIP_PUBLIC = "clip_public", _("Clip, plates blurred")
        FIRST_SEEN_PUBLIC = "first_seen_public", _("When it stopped, plates blurred")

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="evidence")
    role = models.CharField(max_length=20, choices=Role.choices)
    public = models.BooleanField(default=False)
    original = models.FileField(storage=private_storage, upload_to=_evidence_path, blank=True, default="",
                                max_length=300)
    public_copy = models.FileField(storage=public_storage, upload_to=_evidence_path, blank=True, default="",
                                   max_length=300)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=50)

    class Meta:
        ordering = ["violation", "role"]
        constraints = [models.UniqueConstraint(fields=["violation", "role"], name="evidence_one_per_role")]

    def __str__(self) -> str:
        return f"{self.role} of {self.violation_id}"

    @property
    def file(self):
        return self.public_copy if self.public else self.original


class HourlyCount(_OfCamera):
    """Vehicles counted per camera, hour, counting line, direction and lane: what reports read."""

    hour = models.DateTimeField(help_text="start of the hour")
    line = models.CharField(max_length=100)
    direction = models.CharField(max_length=40)
    lane = models.CharField(max_length=100, blank=True, default="")
    vehicles = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["layer", "camera_ext_id", "hour", "line", "direction", "lane"]
        constraints = [models.UniqueConstraint(fields=["layer", "camera_ext_id", "hour", "line", "direction", "lane"],
                                               name="hourlycount_unique")]

    def __str__(self) -> str:
        return f"{self.camera_ext_id} {self.hour:%Y-%m-%d %H}h {self.line} {self.direction}: {self.vehicles}"
