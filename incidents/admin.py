"""Admin for what stewards configure (categories, their questions, routing rules) and read-only views of the
rest. Incidents are changed through the services, never here: the admin shows no reporter contact and no
way to edit history."""

from django.contrib import admin

from portal.gis_admin import OfflineGISAdmin
from portal.readonly_admin import ReadOnlyAdmin

from .models import Category, CategoryAttribute, Incident, IncidentEvent, OutboxMessage, RoutingRule


class AttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "group", "deadline_days", "network", "public_by_default", "active")
    list_filter = ("group", "network", "active")
    search_fields = ("code", "name_vi", "name_en")
    inlines = [AttributeInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(OfflineGISAdmin):
    list_display = ("name", "category", "admin_unit", "agency", "priority", "active")
    list_filter = ("active", "agency", "category")
    raw_id_fields = ("admin_unit",)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("tracking_code", "category", "status", "agency", "channel", "deadline", "created_at")
    list_filter = ("status", "channel", "category", "agency")
    search_fields = ("tracking_code",)
    exclude = ("reporter_name", "reporter_phone", "reporter_email", "reporter_key_digest")


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ("incident", "kind", "at", "actor_label", "public")
    list_filter = ("kind", "public")


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ("kind", "to", "subject", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
