"""Pages of the receipt workflow: thin views over enrollment.services and enrollment.selectors."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.selectors import program_list
from enrollment import exports, rosters, services
from enrollment.forms import (
    CommentForm,
    LinesForm,
    ReceiptForm,
    RosterPersonForm,
    RosterUploadForm,
    SchoolsForm,
)
from enrollment.models import Receipt, ReceiptStatus, RosterEntry
from enrollment.selectors import (
    ReceiptFilter,
    cross_school_duplicates,
    receipt_detail,
    receipt_list,
    receipt_roster,
    roster_problems,
)
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error
from portal.models import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TRANSITIONS = {
    "submit": services.receipt_submit,
    "withdraw": services.receipt_withdraw,
    "approve": services.receipt_approve,
    "return": services.receipt_return,
    "reject": services.receipt_reject,
}


def _receipt_or_404(request, pk: int) -> Receipt:
    try:
        return receipt_detail(user=request.user, pk=pk)
    except Receipt.DoesNotExist:
        raise Http404 from None


def _given(query) -> dict | None:
    """The filters the page's form filled in: its “全部” options send empty values."""
    given = {name: value for name, value in query.items() if value and name != "page"}
    return given or None


@login_required
def receipt_list_view(request):
    if not access.can(request.user, access.VIEW, Receipt):
        raise PermissionDenied
    receipts = receipt_list(user=request.user)
    filters = ReceiptFilter(_given(request.GET), queryset=receipts)
    page = Paginator(filters.qs.order_by("-submitted_at", "-created_at", "-id"), 20).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enrollment/receipt_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "may_file": access.can(request.user, access.ADD, Receipt),
        },
    )


@login_required
def receipt_create_view(request):
    user = request.user
    if not access.can(user, access.ADD, Receipt):
        raise PermissionDenied
    provincial = user.role == Role.PROVINCIAL_COORDINATOR
    initial = {"filled_on": timezone.localdate(), "study_length_days": 60}
    if user.institution is not None:
        initial["invoice_title"] = user.institution.name
    form = ReceiptForm(request.POST or None, request.FILES or None, initial=initial)
    lines = LinesForm(request.POST or None)
    schools = (
        SchoolsForm(request.POST or None, province_id=user.province_id) if provincial else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and lines.is_valid()
        and (schools is None or schools.is_valid())
    ):
        try:
            if provincial:
                created = services.receipts_create_for_province(
                    institutions=list(schools.cleaned_data["institutions"]),
                    by=user,
                    data=form.cleaned_data,
                    lines=lines.line_requests(),
                )
                messages.success(
                    request, _("已为 %(n)s 所学校创建参训回执草稿。") % {"n": len(created)}
                )
                return redirect("enrollment:receipt-list")
            receipt = services.receipt_create(
                institution=user.institution,
                by=user,
                data=form.cleaned_data,
                lines=lines.line_requests(),
                seal_scan=form.cleaned_data.get("seal_scan"),
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("回执草稿已保存。请上传名单后提交。"))
            return redirect("enrollment:receipt-detail", pk=receipt.pk)
    return render(
        request,
        "enrollment/receipt_form.html",
        {"form": form, "lines": lines, "schools": schools, "receipt": None},
    )


@login_required
def receipt_edit_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    if not access.can(request.user, access.CHANGE, receipt) or access.is_academy(request.user):
        raise PermissionDenied
    if receipt.status not in services.EDITABLE:
        messages.error(
            request,
            _("回执当前为「%(status)s」，不能修改。") % {"status": receipt.get_status_display()},
        )
        return redirect("enrollment:receipt-detail", pk=pk)
    form = ReceiptForm(request.POST or None, request.FILES or None, instance=receipt)
    lines = LinesForm(request.POST or None, receipt=receipt)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            services.receipt_update(
                receipt=receipt,
                by=request.user,
                data=form.cleaned_data,
                lines=lines.line_requests(),
                seal_scan=form.cleaned_data.get("seal_scan"),
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("回执已保存。"))
            return redirect("enrollment:receipt-detail", pk=receipt.pk)
    return render(
        request,
        "enrollment/receipt_form.html",
        {"form": form, "lines": lines, "schools": None, "receipt": receipt},
    )


def _detail_context(request, receipt: Receipt, **extra) -> dict:
    roster = receipt_roster(receipt=receipt)
    page = Paginator(roster, 50).get_page(request.GET.get("page"))
    user = request.user
    owner = access.can(user, access.CHANGE, receipt) and not access.is_academy(user)
    editable = owner and receipt.status in services.EDITABLE
    return {
        "receipt": receipt,
        "roster_page": page,
        "roster_problems": roster_problems(receipt),
        "owner": owner,
        "editable": editable,
        "reviewer": access.is_academy(user) and receipt.status == ReceiptStatus.SUBMITTED,
        # After approval the academy may still amend the roster (services.rosters.AMENDABLE).
        "amendable": access.is_academy(user) and receipt.status in services.AMENDABLE,
        "may_receive_credentials": access.may_receive_credentials(user, receipt),
        "duplicates": cross_school_duplicates(receipt=receipt) if access.is_academy(user) else [],
        "upload_form": extra.pop("upload_form", None) or RosterUploadForm(),
        "person_form": extra.pop("person_form", None) or RosterPersonForm(receipt=receipt),
        "comment_form": CommentForm(),
        **extra,
    }


@login_required
def receipt_detail_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    return render(request, "enrollment/receipt_detail.html", _detail_context(request, receipt))


@login_required
@require_POST
def receipt_transition_view(request, pk: int, action: str):
    receipt = _receipt_or_404(request, pk)
    service = TRANSITIONS.get(action)
    if service is None:
        raise Http404
    form = CommentForm(request.POST)
    if not form.is_valid():  # never go on without the comment the user wrote
        messages.error(request, " ".join(form.errors.get("comment", [])))
        return redirect("enrollment:receipt-detail", pk=pk)
    try:
        receipt = service(receipt=receipt, by=request.user, comment=form.cleaned_data["comment"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("回执状态已更新为「%(status)s」。") % {"status": receipt.get_status_display()},
        )
    return redirect("enrollment:receipt-detail", pk=pk)


@login_required
@require_POST
def roster_upload_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _detail_context(request, receipt, upload_form=form)
        return render(request, "enrollment/receipt_detail.html", context, status=400)
    try:
        result = services.roster_import(
            receipt=receipt,
            data=form.cleaned_data["file"].read(),
            by=request.user,
            consent=form.cleaned_data["consent"],
        )
    except ApplicationError as error:
        form.add_error("file", error.message)
        context = _detail_context(request, receipt, upload_form=form)
        return render(request, "enrollment/receipt_detail.html", context, status=400)
    if not result.ok:
        token = secrets.token_urlsafe(24)
        cache.set(
            f"roster-errors:{token}",
            {
                "user": request.user.pk,
                "receipt": receipt.pk,
                "data": rosters.error_workbook(result.rows, result.errors),
            },
            settings.ROSTER_ERROR_FILE_SECONDS,
        )
        context = _detail_context(
            request, receipt, upload_form=form, import_errors=result.errors, error_token=token
        )
        return render(request, "enrollment/receipt_detail.html", context, status=400)
    messages.success(request, _("名单已导入，共 %(n)s 人。") % {"n": result.created})
    return redirect("enrollment:receipt-detail", pk=pk)


@login_required
def roster_error_file_view(request, pk: int, token: str):
    stored = cache.get(f"roster-errors:{token}")
    if not stored or stored["user"] != request.user.pk or stored["receipt"] != pk:
        raise Http404
    response = HttpResponse(stored["data"], content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-errors.xlsx"'
    return response


@login_required
@require_POST
def roster_add_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    form = RosterPersonForm(request.POST, receipt=receipt)
    if form.is_valid():
        try:
            services.roster_add_person(
                receipt=receipt,
                by=request.user,
                values=form.roster_values(),
                consent=form.cleaned_data["consent"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已添加 %(name)s。") % {"name": form.cleaned_data["name"]})
            return redirect(reverse("enrollment:receipt-detail", args=[pk]) + "#roster")
    context = _detail_context(request, receipt, person_form=form)
    return render(request, "enrollment/receipt_detail.html", context, status=400)


@login_required
@require_POST
def roster_remove_view(request, pk: int, entry_pk: int):
    receipt = _receipt_or_404(request, pk)
    entry = get_object_or_404(RosterEntry, pk=entry_pk, receipt=receipt)
    try:
        services.roster_remove_person(entry=entry, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(reverse("enrollment:receipt-detail", args=[pk]) + "#roster")


@login_required
def roster_template_view(request):
    if not (access.can(request.user, access.ADD, Receipt) or access.is_academy(request.user)):
        raise PermissionDenied
    data = rosters.build_template([program.name for program in program_list()])
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
def receipts_export_view(request):
    if not access.is_academy(request.user):
        raise PermissionDenied
    filters = ReceiptFilter(_given(request.GET), queryset=receipt_list(user=request.user))
    return exports.receipts_xlsx(filters.qs)


@login_required
def roster_export_view(request, pk: int, full: bool = False):
    receipt = _receipt_or_404(request, pk)
    if full:
        if not access.is_academy(request.user):
            raise PermissionDenied
        with transaction.atomic():
            return exports.roster_xlsx(receipt, full_ids=True, by=request.user)
    return exports.roster_xlsx(receipt, full_ids=False, by=request.user)


@login_required
def credentials_export_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    if not access.may_receive_credentials(request.user, receipt):
        raise PermissionDenied
    return exports.credentials_xlsx(receipt, by=request.user)


@login_required
def seal_scan_view(request, pk: int):
    """The stamped receipt, for those who may see the receipt; never from MEDIA_URL."""
    receipt = _receipt_or_404(request, pk)
    if not receipt.seal_scan:
        raise Http404
    return FileResponse(
        receipt.seal_scan.open("rb"),
        as_attachment=True,
        filename=receipt.seal_scan.name.rsplit("/", 1)[-1],
    )
