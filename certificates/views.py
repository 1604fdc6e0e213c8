"""Certificate pages: the learner downloads hers; schools, provinces and the academy list theirs
(the academy issues a cohort's in one batch, revokes and reinstates); a school downloads a
cohort's certificates as one zip prepared by a task; anyone verifies a certificate by its QR
code, its serial or the PDF itself, without signing in and without seeing personal data."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from certificates.models import (
    BatchKind,
    Certificate,
    CertificateBatch,
    CertificateStatus,
)
from certificates.selectors import (
    MAX_PK,
    batch_get,
    certificate_get,
    certificate_public_by_serial,
    certificate_public_by_token,
    certificates_visible,
)
from certificates.services import (
    certificate_batch_start,
    certificate_regenerate,
    certificate_reinstate,
    certificate_revoke,
)
from certificates.services.enqueue import enqueue
from certificates.verification import MAX_UPLOAD_BYTES, certificate_check_upload
from courses.models import Cohort
from enrollment.exports import xlsx_response
from learners.models import Enrollment
from portal import access
from portal.errors import ApplicationError
from portal.models import Role

PER_PAGE = 50
# Public lookups per address: enough for a personnel office checking a pile of certificates,
# too few to walk the serial space.
VERIFY_RATE = "30/m"


def _user_may_list(user) -> bool:
    return access.is_academy(user) or access.has_role(
        user, Role.INSTITUTION_STAFF, Role.PROVINCIAL_COORDINATOR
    )


def _certificate_or_404(request, pk: int) -> Certificate:
    try:
        return certificate_get(user=request.user, pk=pk)
    except Certificate.DoesNotExist:
        raise Http404 from None


def _pdf_response(certificate: Certificate, *, inline: bool) -> FileResponse:
    handle = certificate.pdf.open("rb")
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )


# ---- the learner, the school, the academy: one certificate ----


@login_required
def certificate_pdf(request, pk: int):
    """The signed PDF, to whoever may see the certificate; a revoked one is not handed out again
    except to the academy. While it is being prepared, she is told so and a task is (re)sent."""
    certificate = _certificate_or_404(request, pk)
    if certificate.status == CertificateStatus.REVOKED and not access.is_academy(request.user):
        messages.error(request, _("该学时证明已撤销，不能下载。"))
        return redirect(_back(request))
    if not certificate.pdf:
        from certificates.tasks import certificate_render_task

        enqueue(certificate_render_task, certificate.pk)
        messages.info(request, _("学时证明正在生成，请稍后再下载。"))
        return redirect(_back(request))
    return _pdf_response(certificate, inline=request.GET.get("view") == "1")


def _back(request) -> str:
    if access.has_role(request.user, Role.LEARNER):
        return reverse("learners:my-study")
    return reverse("certificates:list")


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤销原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


@login_required
def certificate_detail(request, pk: int):
    if not _user_may_list(request.user):
        raise PermissionDenied
    certificate = _certificate_or_404(request, pk)
    return render(
        request,
        "certificates/detail.html",
        {
            "certificate": certificate,
            "may_change": access.can(request.user, access.CHANGE, certificate),
            "revoke_form": RevokeForm(),
        },
    )


@login_required
@require_POST
def certificate_revoke_view(request, pk: int):
    certificate = _certificate_or_404(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因（不超过 200 字）。"))
        return redirect("certificates:detail", pk=pk)
    try:
        certificate_revoke(
            certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        return _refused(request, error, pk)
    messages.success(request, _("已撤销该学时证明。"))
    return redirect("certificates:detail", pk=pk)


@login_required
@require_POST
def certificate_reinstate_view(request, pk: int):
    certificate = _certificate_or_404(request, pk)
    try:
        certificate_reinstate(certificate=certificate, by=request.user)
    except ApplicationError as error:
        return _refused(request, error, pk)
    messages.success(request, _("已恢复该学时证明。"))
    return redirect("certificates:detail", pk=pk)


@login_required
@require_POST
def certificate_regenerate_view(request, pk: int):
    certificate = _certificate_or_404(request, pk)
    try:
        certificate_regenerate(certificate=certificate, by=request.user)
    except ApplicationError as error:
        return _refused(request, error, pk)
    messages.success(request, _("已安排重新生成 PDF，编号不变。"))
    return redirect("certificates:detail", pk=pk)


def _refused(request, error: ApplicationError, pk: int):
    if error.status == 403:
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    return redirect("certificates:detail", pk=pk)


# ---- lists, export and batches ----


def _filters(request) -> dict:
    def number(name: str) -> int | None:
        raw = request.GET.get(name, "").strip()
        return int(raw) if raw.isdigit() and len(raw) <= 19 else None

    return {
        "cohort_id": number("cohort"),
        "program_id": number("program"),
        "institution_id": number("institution"),
        "status": request.GET.get("status", "").strip()[:16] or None,
        "search": request.GET.get("q", ""),
    }


@login_required
def certificate_list(request):
    if not _user_may_list(request.user):
        raise PermissionDenied
    filters = _filters(request)
    rows = certificates_visible(user=request.user, **filters).order_by("-issued_on", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    cohorts = _cohorts_for(request.user).select_related("program").order_by("-start_date")[:200]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "cohorts": cohorts,
            "statuses": CertificateStatus.choices,
            "may_issue": access.can(request.user, access.ADD, Certificate),
            "may_pack": access.has_role(request.user, Role.INSTITUTION_STAFF),
            "batches": _recent_batches(request.user),
        },
    )


def _cohorts_for(user):
    """The cohorts the user works with: all for the academy, those where a school (or a
    province's schools) has places otherwise."""
    if access.is_academy(user):
        return Cohort.objects.all()
    places = access.scope(user, Enrollment.objects.all()).values("cohort_id")
    return Cohort.objects.filter(pk__in=places)


def _recent_batches(user) -> list[CertificateBatch]:
    from certificates.selectors import batches_visible

    return list(batches_visible(user=user).order_by("-created_at")[:5])


@login_required
def certificate_export(request):
    if not _user_may_list(request.user):
        raise PermissionDenied
    rows = certificates_visible(user=request.user, **_filters(request)).order_by("serial")
    headers = [
        _("证书编号"), _("姓名"), _("所在单位"), _("培训项目"), _("期次"), _("学习开始"),
        _("学习结束"), _("学时"), _("理论学时"), _("发证日期"), _("状态"), _("撤销原因"),
    ]  # fmt: skip
    return xlsx_response(
        filename=f"certificates-{timezone.localdate():%Y%m%d}.xlsx",
        title=_("学时证明"),
        headers=headers,
        rows=(
            [
                c.serial,
                c.learner_name,
                c.institution_name,
                c.program_name,
                c.cohort.name,
                c.period_start,
                c.period_end,
                float(c.hours),
                float(c.theory_hours),
                c.issued_on,
                str(c.get_status_display()),
                c.revoked_reason,
            ]
            for c in rows.iterator(chunk_size=2000)
        ),
    )


@login_required
@require_POST
def batch_start(request):
    """The academy issues a cohort's certificates; a school packs its people's into one zip."""
    raw = request.POST.get("cohort", "")
    cohort_pk = int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_PK else None
    cohort = _cohorts_for(request.user).filter(pk=cohort_pk).first() if cohort_pk else None
    if cohort is None:
        messages.error(request, _("请选择一个期次。"))
        return redirect("certificates:list")
    kind = BatchKind.ISSUE if request.POST.get("kind") == BatchKind.ISSUE else BatchKind.ARCHIVE
    try:
        batch = certificate_batch_start(cohort=cohort, by=request.user, kind=kind)
    except ApplicationError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return redirect("certificates:list")
    return redirect("certificates:batch", pk=batch.pk)


def _batch_or_404(request, pk: int) -> CertificateBatch:
    try:
        return batch_get(user=request.user, pk=pk)
    except CertificateBatch.DoesNotExist:
        raise Http404 from None


@login_required
def batch_view(request, pk: int):
    batch = _batch_or_404(request, pk)
    return render(request, "certificates/batch.html", {"batch": batch})


@login_required
def batch_status(request, pk: int):
    """The progress the batch page polls."""
    batch = _batch_or_404(request, pk)
    return JsonResponse(
        {
            "status": batch.status,
            "statusLabel": str(batch.get_status_display()),
            "done": batch.done,
            "total": batch.total,
            "finished": batch.finished,
            "error": batch.error,
            "download": reverse("certificates:batch-download", args=[batch.pk])
            if batch.archive
            else None,
        }
    )


@login_required
def batch_download(request, pk: int):
    batch = _batch_or_404(request, pk)
    if not batch.archive:
        raise Http404
    return FileResponse(
        batch.archive.open("rb"),
        as_attachment=True,
        filename=f"certificates-{batch.cohort_id}-{batch.pk}.zip",
        content_type="application/zip",
    )


# ---- public verification ----


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(
        label=gettext_lazy("学时证明 PDF 文件"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".pdf"}),
    )


def _limited(request):
    return render(
        request,
        "certificates/verify.html",
        {"limited": True, "upload_form": VerifyUploadForm()},
        status=429,
    )


@ratelimit(key="ip", rate=VERIFY_RATE, method=ratelimit.ALL, block=False)
def verify_token(request, token: str):
    """What the QR code opens: the same page shape for a known and an unknown token."""
    if getattr(request, "limited", False):
        return _limited(request)
    found = certificate_public_by_token(token)
    return render(
        request,
        "certificates/verify.html",
        {"looked_up": True, "found": found, "upload_form": VerifyUploadForm()},
        status=200,
    )


@ratelimit(key="ip", rate=VERIFY_RATE, method=ratelimit.ALL, block=False)
def verify_form(request):
    """Look a certificate up by its serial, or upload its PDF to learn whether it is genuine."""
    if getattr(request, "limited", False):
        return _limited(request)
    context: dict = {"upload_form": VerifyUploadForm()}
    serial = request.GET.get("serial", "")
    if serial:
        context.update(
            looked_up=True, serial=serial[:32], found=certificate_public_by_serial(serial)
        )
    if request.method == "POST":
        form = VerifyUploadForm(request.POST, request.FILES)
        context["upload_form"] = form
        if form.is_valid():
            upload = form.cleaned_data["pdf"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("pdf", _("文件过大：学时证明 PDF 不超过 5 MB。"))
            else:
                context["upload"] = certificate_check_upload(upload.read(MAX_UPLOAD_BYTES + 1))
    return render(request, "certificates/verify.html", context)


urlpatterns = [
    path("certificates/", certificate_list, name="list"),
    path("certificates/export.xlsx", certificate_export, name="export"),
    path("certificates/<int:pk>/", certificate_detail, name="detail"),
    path("certificates/<int:pk>/certificate.pdf", certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/revoke/", certificate_revoke_view, name="revoke"),
    path("certificates/<int:pk>/reinstate/", certificate_reinstate_view, name="reinstate"),
    path("certificates/<int:pk>/regenerate/", certificate_regenerate_view, name="regenerate"),
    path("certificates/batches/", batch_start, name="batch-start"),
    path("certificates/batches/<int:pk>/", batch_view, name="batch"),
    path("certificates/batches/<int:pk>/status.json", batch_status, name="batch-status"),
    path("certificates/batches/<int:pk>/certificates.zip", batch_download, name="batch-download"),
    path("verify/", verify_form, name="verify-form"),
    path("verify/<path:token>", verify_token, name="verify"),  # any text: the same page
]
