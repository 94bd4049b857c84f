from django.contrib.gis import admin

from portal.gis_admin import OfflineGISAdmin

from .models import AdminUnit, AdminUnitSuccession, ImportJob, Layer, PlanDecision


@admin.register(AdminUnit)
class AdminUnitAdmin(OfflineGISAdmin):
    list_display = ("name", "level", "code", "gso_code", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("name", "name_ascii", "code", "gso_code")
    readonly_fields = ("geom_3857",)


@admin.register(AdminUnitSuccession)
class AdminUnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "effective", "kind")
    raw_id_fields = ("predecessor", "successor")


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ("slug", "kind", "theme", "visibility", "owner", "version", "min_zoom", "max_zoom")
    list_filter = ("theme", "visibility", "kind")
    search_fields = ("slug", "title_vi", "title_en")
    readonly_fields = ("version", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            obj.bump_version()  # zoom range or visibility changed: cached tiles and downloads must not outlive it


@admin.register(PlanDecision)
class PlanDecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "signed_on", "authority", "plan_level", "status", "effective_from", "effective_to")
    list_filter = ("status", "plan_level")
    search_fields = ("number", "title")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "layer", "file_name", "status", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [field.name for field in ImportJob._meta.fields]
