from django.contrib import admin

from incidents.admin import ReadOnly

from .models import SubmissionKey


@admin.register(SubmissionKey)
class SubmissionKeyAdmin(ReadOnly):
    list_display = ("pk", "incident", "created_at")
    exclude = ("sealed_reporter_key",)
