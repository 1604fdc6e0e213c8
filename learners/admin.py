from django.contrib import admin

from learners.models import Enrollment, Learner
from portal.admin_site import AccessModelAdmin


@admin.register(Enrollment)
class EnrollmentAdmin(AccessModelAdmin):
    list_display = ("learner", "cohort", "institution", "created_at")
    list_filter = ("cohort__program",)
    search_fields = ("learner__full_name", "learner__username", "cohort__name")
    list_select_related = ("learner", "cohort__program", "institution")
    readonly_fields = ("learner", "cohort", "institution")

    def has_add_permission(self, request):
        return False  # places are given by the enrollment service, which checks capacity


@admin.register(Learner)
class LearnerAdmin(AccessModelAdmin):
    list_display = ("name", "id_masked", "user", "issued_by", "created_at")
    search_fields = ("name", "user__username")
    list_select_related = ("user", "issued_by")
    fields = ("name", "id_masked", "user", "issued_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
