"""A read-only view of the audit log for superusers (no add, change or delete). Every list
and detail page viewed is recorded as an "audit_search" event."""

from django.contrib import admin

from .models import AuditEvent
from .services import record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "username", "event", "outcome", "object_type", "object_repr")
    list_filter = ("event", "outcome")
    search_fields = ("username", "object_id", "request_id", "ip")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False  # no COUNT(*) over millions of rows on each page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        record(
            "audit_search",
            request=request,
            data={"via": "admin", "filters": {k: request.GET.getlist(k) for k in request.GET}},
        )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record("audit_search", request=request, data={"via": "admin", "seq": object_id})
        return super().change_view(request, object_id, form_url, extra_context)
