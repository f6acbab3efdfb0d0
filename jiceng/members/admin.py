from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jiceng.core.masking import mask

from .models import Member, StatusChange, UnmaskEvent


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sex",
        "masked_id_number",
        "masked_phone",
        "org",
        "membership",
        "standing",
        "leave_status",
    )
    list_filter = ("membership", "standing", "leave_status", "sex", "education")
    search_fields = ("name", "name_pinyin", "name_initials", "=phone_tail")
    raw_id_fields = ("org", "user")
    list_select_related = ("org",)
    readonly_fields = (
        "name_pinyin",
        "name_initials",
        "phone_tail",
        "region_code",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return mask("id_number", obj.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask("phone", obj.phone)

    def has_delete_permission(self, request, obj=None):
        return False  # nothing about a member is ever deleted


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ("member", "field", "old_value", "new_value", "effective_on", "actor")
    raw_id_fields = ("member", "actor")
    list_select_related = ("member", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnmaskEvent)
class UnmaskEventAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "member", "field", "reason", "ip")
    list_select_related = ("user", "member")
    raw_id_fields = ("member", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
