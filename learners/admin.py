from django.contrib import admin

from learners.models import Enrollment
from portal.admin_site import AccessModelAdmin


@admin.register(Enrollment)
class EnrollmentAdmin(AccessModelAdmin):
    list_display = ("learner", "cohort", "created_at")
    list_filter = ("cohort__program",)
    search_fields = ("learner__full_name", "learner__username", "cohort__name")
    list_select_related = ("learner", "cohort__program")
    readonly_fields = ("learner", "cohort")

    def has_add_permission(self, request):
        return False  # places are given by the enrollment service, which checks capacity
