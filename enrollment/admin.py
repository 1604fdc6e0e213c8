from django.contrib import admin

from enrollment.models import Institution, Province, Receipt, ReceiptLine, ReceiptTransition
from portal.admin_site import AccessInlineMixin, AccessModelAdmin


@admin.register(Province)
class ProvinceAdmin(AccessModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Institution)
class InstitutionAdmin(AccessModelAdmin):
    list_display = ("name", "code", "type", "desk", "province")
    list_filter = ("type", "desk", "province")
    search_fields = ("name", "code")
    list_select_related = ("province",)


class ReceiptLineInline(AccessInlineMixin, admin.TabularInline):
    model = ReceiptLine
    extra = 0
    fields = ("program", "participants", "cohort")
    readonly_fields = fields


class ReceiptTransitionInline(AccessInlineMixin, admin.TabularInline):
    model = ReceiptTransition
    extra = 0
    fields = ("at", "by", "from_status", "to_status", "comment")
    readonly_fields = fields


@admin.register(Receipt)
class ReceiptAdmin(AccessModelAdmin):
    """Read-only here: receipts change only through the workflow (the portal's pages and API)."""

    list_display = ("pk", "institution", "desk", "status", "submitted_at")
    list_filter = ("status", "desk", "institution__province")
    search_fields = ("institution__name",)
    list_select_related = ("institution",)
    inlines = [ReceiptLineInline, ReceiptTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
