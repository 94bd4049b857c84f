"""Admin: the analytics setup of each camera, runs, violations (read-only) and hourly counts."""

from django.contrib import admin

from .models import AnalysisRun, CameraCalibration, CameraRule, CameraView, HourlyCount, Violation


@admin.register(CameraCalibration)
class CameraCalibrationAdmin(admin.ModelAdmin):
    list_display = ("camera_ext_id", "layer", "frame_width", "frame_height", "rms_m", "max_m", "updated_at")
    readonly_fields = ("matrix", "errors_m", "rms_m", "max_m", "origin_lon", "origin_lat")


@admin.register(CameraRule)
class CameraRuleAdmin(admin.ModelAdmin):
    list_display = ("camera_ext_id", "layer", "kind", "name", "order")
    list_filter = ("kind",)


@admin.register(CameraView)
class CameraViewAdmin(admin.ModelAdmin):
    list_display = ("camera_ext_id", "layer", "frame_width", "frame_height", "updated_at")


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "camera_ext_id", "source_kind", "source_name", "status", "frames_done", "frames_total",
                    "created_at")
    list_filter = ("status", "source_kind")
    exclude = ("source",)  # a stream address or a path on the workers: not for the admin's screen

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ("pk", "camera_ext_id", "kind", "rule", "track_id", "observed_at", "speed_kmh", "incident")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HourlyCount)
class HourlyCountAdmin(admin.ModelAdmin):
    list_display = ("camera_ext_id", "layer", "hour", "line", "direction", "lane", "vehicles")
    list_filter = ("direction",)
