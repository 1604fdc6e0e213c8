from django.contrib import admin

from enrollment.models import Institution, Province
from portal.admin_site import AccessModelAdmin
from portal.services import audit_record


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="institution.change" if change else "institution.create",
            target=obj,
            details={"changed": form.changed_data},
        )
