from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certificates.models import Certificate, CertificateBatch
from certificates.services import certificate_regenerate, certificate_reinstate, certificate_revoke
from portal.admin_site import AccessModelAdmin
from portal.errors import ApplicationError
from portal.validators import single_line_text


class CertificateActionForm(ActionForm):
    reason = forms.CharField(
        label=_("撤销原因"),
        required=False,
        max_length=200,
        validators=[single_line_text],
        help_text=_("撤销时必填。"),
    )


@admin.register(Certificate)
class CertificateAdmin(AccessModelAdmin):
    """Certificates are issued by ``certificates.services`` (after completion, or a cohort batch);
    the admin shows their facts, and revokes, reinstates or renders again through the services."""

    list_display = (
        "serial",
        "learner_name",
        "institution_name",
        "program_name",
        "cohort",
        "hours",
        "theory_hours",
        "issued_on",
        "status",
    )
    list_filter = ("status", "program", "issued_on")
    search_fields = ("serial", "learner_name", "institution_name", "learner__username")
    list_select_related = ("cohort__program",)
    date_hierarchy = "issued_on"
    fields = (
        "serial",
        "learner",
        "learner_name",
        "institution_name",
        "enrollment",
        "program",
        "program_name",
        "cohort",
        "period_start",
        "period_end",
        "hours",
        "theory_hours",
        "issued_on",
        "issuer",
        "status",
        "revoked_reason",
        "revoked_by",
        "revoked_at",
        "pdf_rendered_at",
        "created_at",
    )
    readonly_fields = fields
    action_form = CertificateActionForm
    actions = ("revoke", "reinstate", "regenerate")

    def has_add_permission(self, request):
        return False  # issued by the services, which check completion and number them

    def has_delete_permission(self, request, obj=None):
        return False  # a wrong certificate is revoked, never deleted

    def has_change_permission(self, request, obj=None):
        # The actions below (asked without an object); one certificate's page is read-only.
        return obj is None and super().has_change_permission(request)

    def _each(self, request, queryset, action, done_message):
        done = 0
        for certificate in queryset:
            try:
                action(certificate)
            except ApplicationError as error:
                self.message_user(request, f"{certificate.serial}：{error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("撤销所选证书（须填写原因）"), permissions=["change"])
    def revoke(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._each(
            request,
            queryset,
            lambda c: certificate_revoke(certificate=c, by=request.user, reason=reason),
            lambda n: ngettext("已撤销 %(n)d 份证书。", "已撤销 %(n)d 份证书。", n) % {"n": n},
        )

    @admin.action(description=_("恢复所选证书"), permissions=["change"])
    def reinstate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: certificate_reinstate(certificate=c, by=request.user),
            lambda n: ngettext("已恢复 %(n)d 份证书。", "已恢复 %(n)d 份证书。", n) % {"n": n},
        )

    @admin.action(description=_("重新生成所选证书的 PDF（编号不变）"), permissions=["change"])
    def regenerate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: certificate_regenerate(certificate=c, by=request.user),
            lambda n: (
                ngettext("已安排重新生成 %(n)d 份证书。", "已安排重新生成 %(n)d 份证书。", n)
                % {"n": n}
            ),
        )


@admin.register(CertificateBatch)
class CertificateBatchAdmin(AccessModelAdmin):
    """Cohort batches and their progress, to follow one; they are started from the pages."""

    list_display = (
        "pk",
        "kind",
        "cohort",
        "institution",
        "requested_by",
        "status",
        "done",
        "total",
        "issued",
        "skipped",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("cohort__program", "institution", "requested_by")
    fields = list_display[1:] + ("error",)
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
