from django.contrib import admin

from .models import NewsletterMessage, NewsletterSubscription, ReportFile, ReportRun


class ReportFileInline(admin.TabularInline):
    model = ReportFile
    extra = 0
    readonly_fields = ("format", "path", "size", "sha256", "created_at")
    can_delete = False


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("kind", "area_name", "first_day", "last_day", "status", "runs", "seconds", "finished_at")
    list_filter = ("kind", "status", "area_level")
    readonly_fields = [f.name for f in ReportRun._meta.fields]
    inlines = [ReportFileInline]


@admin.register(NewsletterSubscription)
class NewsletterSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("org_unit", "active", "created_at")
    list_filter = ("active",)


@admin.register(NewsletterMessage)
class NewsletterMessageAdmin(admin.ModelAdmin):
    list_display = ("run", "to", "status", "attempts", "sent_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in NewsletterMessage._meta.fields]
