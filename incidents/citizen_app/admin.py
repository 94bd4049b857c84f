from django.contrib import admin

from portal.readonly_admin import ReadOnlyAdmin

from .models import SubmissionKey


@admin.register(SubmissionKey)
class SubmissionKeyAdmin(ReadOnlyAdmin):
    list_display = ("pk", "incident", "created_at")
    exclude = ("sealed_reporter_key",)
