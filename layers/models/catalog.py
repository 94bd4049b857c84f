"""The layer catalog, the land-use classification, and import jobs."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _drop_partitions(layer_ids: list[int]) -> None:
    from django.apps import apps
    from django.db import connection

    from layers.partitions import drop_layer_partitions

    # Links into the features that go (a segment's nodes, a canal's works) have no database constraint, and a
    # dropped partition sets none of them to NULL as deleting its rows one by one would: done here first.
    features = [m for m in apps.get_app_config("layers").get_models() if any(f.name == "layer" for f in m._meta.fields)]
    for model in features:
        # include_hidden: the links are named "+" (no reverse accessor), which related_objects leaves out.
        for relation in model._meta.get_fields(include_hidden=True):
            if relation.auto_created and getattr(relation, "on_delete", None) is models.SET_NULL:
                name = relation.field.name
                (relation.field.model.objects.filter(**{f"{name}__layer__in": layer_ids})
                 .exclude(layer__in=layer_ids).update(**{name: None}))  # rows of the layers going, go
    with connection.cursor() as cursor:
        drop_layer_partitions(cursor.cursor, layer_ids)


class LayerQuerySet(models.QuerySet):
    def delete(self):
        # Each deleted layer's partition goes whole, instead of its rows one by one (see layers.partitions).
        with transaction.atomic():
            _drop_partitions(list(self.values_list("pk", flat=True)))
            return super().delete()

    def visible_to(self, user):
        """Public layers for all; internal ones for staff of any organisation; restricted ones for the
        roles they name and for their owner's staff. Every endpoint filters layers through this."""
        if user is None or not user.is_authenticated:
            return self.filter(visibility=Layer.Visibility.PUBLIC)
        if user.is_superuser:
            return self
        roles = [group.name for group in user.groups.all()]
        rule = models.Q(visibility=Layer.Visibility.PUBLIC)
        if roles:
            rule |= models.Q(visibility=Layer.Visibility.RESTRICTED, allowed_roles__overlap=roles)
        if user.org_unit_id is not None:
            rule |= models.Q(visibility=Layer.Visibility.INTERNAL)
            rule |= models.Q(visibility=Layer.Visibility.RESTRICTED, owner_id=user.org_unit_id)
        return self.filter(rule)


class Layer(models.Model):
    class Theme(models.TextChoices):
        PLANNING = "planning", _("Land-use planning")
        UNDERGROUND = "underground", _("Underground infrastructure")
        IRRIGATION = "irrigation", _("Irrigation")
        CAMERAS = "cameras", _("Cameras")
        BASEMAP = "basemap", _("Basemap")
        ADMIN = "admin", _("Administrative units")
        INCIDENTS = "incidents", _("Incidents")
        RASTER = "raster", _("Raster")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal (staff of any organisation)")
        RESTRICTED = "restricted", _("Restricted to named roles")

    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=40, help_text="Registry key of the layer kind (layers.registry).")
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    theme = models.CharField(max_length=20, choices=Theme.choices)
    source = models.CharField(max_length=300, blank=True, default="")
    licence = models.CharField(max_length=100, blank=True, default="")
    attribution = models.CharField(max_length=300, blank=True, default="")
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.INTERNAL)
    allowed_roles = ArrayField(models.CharField(max_length=40), blank=True, default=list)
    owner = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="layers")
    # Bumped by every import or edit: tile caches and downloads key on it.
    version = models.PositiveIntegerField(default=1)
    min_zoom = models.PositiveSmallIntegerField(default=0)
    max_zoom = models.PositiveSmallIntegerField(default=22)
    style = models.JSONField(blank=True, default=dict, help_text="MapLibre paint/layout; empty: the kind's default.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LayerQuerySet.as_manager()

    class Meta:
        ordering = ["theme", "slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_zoom__lte=F("max_zoom")), name="layer_zoom_range"),
        ]

    def __str__(self) -> str:
        return self.slug

    def title(self, language: str = "vi") -> str:
        return self.title_en if language == "en" else self.title_vi

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            _drop_partitions([self.pk])
            return super().delete(*args, **kwargs)

    def bump_version(self) -> int:
        Layer.objects.filter(pk=self.pk).update(version=F("version") + 1)
        self.refresh_from_db(fields=["version"])
        return self.version


class LandUseCode(models.Model):
    """Vietnamese land-use classification (mã loại đất), e.g. ODT: đất ở tại đô thị."""

    code = models.CharField(max_length=8, primary_key=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=[("agricultural", "agricultural"),
                                                     ("non_agricultural", "non-agricultural"),
                                                     ("unused", "unused")])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name_vi}"


class ImportJob(models.Model):
    """One import of a file into a layer, run by a Celery worker; its progress is what users watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        REPLACE = "replace", _("Replace all features")
        UPSERT = "upsert", _("Insert or update by key")

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=300)
    file_path = models.CharField(max_length=500, help_text="Where the uploaded file waits for the worker.")
    options = models.JSONField(default=dict, help_text="mapping, srid, vn2000 province, layer name, mode")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.REPLACE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    error = models.TextField(blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    # Deliveries begun, counted before each starts: a file that kills its worker every time is not tried forever.
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.layer} ← {self.file_name} ({self.status})"
