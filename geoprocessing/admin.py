from django.contrib import admin

from .models import PlanningSheet


@admin.register(PlanningSheet)
class PlanningSheetAdmin(admin.ModelAdmin):
    """Issued sheets are a record: they can be read, never edited."""

    list_display = ("code", "issued_at", "as_of", "commune_name", "sheet_no", "parcel_no", "layer_slug")
    search_fields = ("code", "parcel_ext_id", "commune_name")
    list_filter = ("as_of",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
