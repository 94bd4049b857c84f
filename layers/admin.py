from django.contrib.gis import admin

from .models import AdminUnit, AdminUnitSuccession


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.GISModelAdmin):
    list_display = ("name", "level", "code", "gso_code", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("name", "name_ascii", "code", "gso_code")
    readonly_fields = ("geom_3857",)


@admin.register(AdminUnitSuccession)
class AdminUnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "effective", "kind")
    raw_id_fields = ("predecessor", "successor")
