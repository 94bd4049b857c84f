"""What can be reported: categories with their handling deadline and, for network faults, the network."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkKind(models.TextChoices):
    """Networks whose faults go to the operator of the nearest asset (layers' underground and irrigation)."""

    WATER = "water", _("Water supply")
    DRAINAGE = "drainage", _("Drainage")
    SEWER = "sewer", _("Sewer")
    POWER = "power", _("Power")
    TELECOM = "telecom", _("Telecom")
    CANAL = "canal", _("Canal")


class CategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_citizens(self):
        """The kinds a citizen may file: offered by the web form, the app, Open311 and the chat menus."""
        return self.filter(active=True, citizen_reportable=True)


class Category(models.Model):
    """One kind of report; its `code` is the Open311 service_code."""

    code = models.SlugField(max_length=40, unique=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_vi = models.TextField(blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    group = models.CharField(max_length=100, blank=True, default="", help_text="Open311 group, e.g. 'Hạ tầng'")
    keywords = models.CharField(max_length=300, blank=True, default="", help_text="comma-separated")
    deadline_days = models.PositiveSmallIntegerField(help_text="Handling deadline in Vietnamese working days.")
    network = models.CharField(max_length=10, choices=NetworkKind.choices, blank=True, default="")
    network_radius_m = models.PositiveIntegerField(
        default=100, help_text="Network categories: how far the nearest asset may be to make its operator responsible.")
    # Reports of some kinds (e.g. about a person) are handled but never listed publicly.
    public_by_default = models.BooleanField(default=True)
    # Kinds that only cameras or staff file (traffic violations) are never offered to citizens.
    citizen_reportable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code

    def name(self, language: str = "vi") -> str:
        return self.name_en if language == "en" else self.name_vi

    def description(self, language: str = "vi") -> str:
        return self.description_en if language == "en" else self.description_vi


class CategoryAttribute(models.Model):
    """An extra question asked for a category: an Open311 service-definition attribute."""

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=40)
    datatype = models.CharField(max_length=16, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    # Questions the citizen answers; informational ones (variable=false) are only shown.
    variable = models.BooleanField(default=True)
    description = models.CharField(max_length=500)
    datatype_description = models.CharField(max_length=300, blank=True, default="")
    order = models.PositiveSmallIntegerField(default=0)
    # [{"key": "...", "name": "..."}] for the list datatypes.
    values = models.JSONField(blank=True, default=list)

    class Meta:
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="categoryattribute_unique_code")]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"

    def value_keys(self) -> set[str]:
        return {str(item["key"]) for item in self.values}
