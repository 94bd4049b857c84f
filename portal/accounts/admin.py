from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.ratelimit import client_ip
from portal.readonly_admin import ReadOnlyAdmin

from . import audit
from .models import ApiToken, AuditEvent, OrgUnit, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("org_unit",)}))
    list_display = ("username", "email", "org_unit", "is_active", "is_staff")
    list_filter = ("groups", "org_unit", "is_active")


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        # A revoked token stays revoked: bringing it back would be an unaudited grant of access.
        revoked = obj is not None and obj.revoked_at is not None
        return (*self.readonly_fields, "revoked_at") if revoked else self.readonly_fields

    def save_model(self, request, obj, form, change):  # inside the admin's own transaction
        super().save_model(request, obj, form, change)
        if change and "revoked_at" in form.changed_data and obj.revoked_at is not None:
            audit.token_revoked(actor=request.user, token=obj, ip=client_ip(request))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only, for everyone: the log is evidence (PostgreSQL refuses changes to it as well)."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "actor_name", "action", "object_type", "object_id", "ip", "details")
