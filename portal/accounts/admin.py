from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, OrgUnit, User


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
