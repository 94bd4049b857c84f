from django.contrib import admin

from .models import CachedDownload, DatasetInfo, DownloadCount


@admin.register(DatasetInfo)
class DatasetInfoAdmin(admin.ModelAdmin):
    list_display = ("layer", "update_frequency", "keywords")


@admin.register(DownloadCount)
class DownloadCountAdmin(admin.ModelAdmin):
    list_display = ("dataset", "format", "count", "bytes", "last_at")
    readonly_fields = ("dataset", "format", "count", "bytes", "last_at")


@admin.register(CachedDownload)
class CachedDownloadAdmin(admin.ModelAdmin):
    list_display = ("dataset", "version", "format", "size", "sha256", "created_at")
    readonly_fields = ("dataset", "version", "format", "path", "size", "sha256", "features", "created_at")
