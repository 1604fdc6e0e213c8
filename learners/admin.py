from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learners.models import Enrollment, Essay, Learner, Post
from portal.admin_site import AccessModelAdmin


@admin.register(Enrollment)
class EnrollmentAdmin(AccessModelAdmin):
    """Places are given by the placement service and completed by the completion service: the
    admin shows them, it never writes a status or hours."""

    list_display = (
        "learner",
        "cohort",
        "institution",
        "status",
        "hours_earned",
        "theory_hours_earned",
        "completed_at",
    )
    list_filter = ("status", "cohort__program")
    search_fields = ("learner__full_name", "learner__username", "cohort__name")
    list_select_related = ("learner", "cohort__program", "institution")
    fields = (
        "learner",
        "cohort",
        "institution",
        "status",
        "completed_at",
        "hours_earned",
        "theory_hours_earned",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # places are given by the enrollment service, which checks capacity


@admin.register(Learner)
class LearnerAdmin(AccessModelAdmin):
    list_display = ("name", "id_masked", "user", "issued_by", "created_at")
    search_fields = ("name", "user__username")
    list_select_related = ("user", "issued_by")
    fields = ("name", "id_masked", "user", "issued_by", "created_at")
    readonly_fields = fields
    actions = ["erase_on_request"]

    @admin.action(description=_("应本人申请删除个人信息（逐人确认）"))
    def erase_on_request(self, request, queryset):
        """Erasure is confirmed one person at a time, on the page that says what it does."""
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一名学员，逐人确认删除。"), messages.WARNING)
            return None
        return redirect(reverse("learners:person-erase", args=[queryset.get().pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(AccessModelAdmin):
    """Discussion posts, to find one: moderation (hide, unhide, with a reason) is done on the
    cohort's topic page through ``learners.services.discussion``, never here."""

    list_display = ("__str__", "topic", "author", "is_hidden", "created_at")
    list_filter = ("is_hidden", "topic__cohort__program")
    search_fields = ("body", "author__full_name", "author__username", "topic__title")
    list_select_related = ("topic", "author")
    fields = (
        "topic",
        "author",
        "enrollment",
        "parent",
        "body",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "created_at",
    )
    readonly_fields = fields


@admin.register(Essay)
class EssayAdmin(AccessModelAdmin):
    """Reflection essays, to find one: grading is done on the essay queue through
    ``learners.services.essays``, never here."""

    list_display = ("title", "enrollment", "status", "revision", "submitted_at", "reviewed_by")
    list_filter = ("status", "enrollment__cohort__program")
    search_fields = ("title", "enrollment__learner__full_name", "enrollment__learner__username")
    list_select_related = ("enrollment__learner", "enrollment__cohort__program", "reviewed_by")
    fields = (
        "enrollment",
        "title",
        "body",
        "status",
        "revision",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "comment",
    )
    readonly_fields = fields
