from django.contrib import admin

from .models import Organization, OrgStats


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "category", "unit_type", "status", "path")
    list_filter = ("kind", "category", "status")
    search_fields = ("name", "short_name", "path")
    raw_id_fields = ("parent", "secretary")
    readonly_fields = ("path", "depth", "region_code", "created_at", "updated_at")
    list_select_related = ("parent",)
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False  # organisations are dissolved through the service, never deleted


@admin.register(OrgStats)
class OrgStatsAdmin(admin.ModelAdmin):
    list_display = ("org",)
    raw_id_fields = ("org",)
    list_select_related = ("org",)
    readonly_fields = ("org", "counts")

    def has_add_permission(self, request):
        return False
