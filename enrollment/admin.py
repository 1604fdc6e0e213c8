from django.contrib import admin

from enrollment.models import Institution, Province
from portal.admin_site import AccessModelAdmin


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
