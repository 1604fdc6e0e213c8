from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.admin_site import AccessModelAdmin
from portal.models import AuditEvent, User


@admin.register(User)
class UserAdmin(AccessModelAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "institution", "province", "desk", "is_active")
    list_filter = ("role", "desk", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "email", "institution__name")
    autocomplete_fields = ("institution",)
    readonly_fields = ("last_login", "date_joined")  # set by authentication, never typed
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("角色与范围"),
            {"fields": ("role", "full_name", "mobile", "institution", "province", "desk")},
        ),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(AccessModelAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "comment", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor", "content_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
