from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("org",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Display"), {"fields": ("display_name",)}),
    )
    list_display = ("username", "display_name", "is_active", "is_staff", "is_superuser")
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org", "granted_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "org")
    list_select_related = ("user", "org")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "expires_at")
    raw_id_fields = ("user",)
    readonly_fields = ("hint", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # tokens are issued with `jiceng apitoken`: the raw value is shown once
