"""Invoice pages: the school requests an invoice from its receipt's page; academy coordinators list
the requests, export them for the finance office and record each invoice's number and date."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.models import MAX_FEE, InvoiceStatus
from billing.selectors import invoice_list
from billing.services.invoices import invoice_record, invoice_request
from billing.views.notices import MAX_PK, receipt_or_404
from enrollment.exports import xlsx_response
from enrollment.models import Province
from portal import access
from portal.errors import ApplicationError

PER_PAGE = 50


class InvoiceRequestForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("开票金额（元）"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_FEE,
        help_text=gettext_lazy("不填则为尚未开票的全部应缴金额。"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
    )


class InvoiceRecordForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("发票号码"),
        max_length=40,
        help_text=gettext_lazy("8 位或 20 位数字。"),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    issued_on = forms.DateField(
        label=gettext_lazy("开票日期"),
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )


@login_required
@require_POST
def invoice_request_view(request, pk: int):
    receipt = receipt_or_404(request, pk)
    back = reverse("enrollment:receipt-detail", args=[receipt.pk]) + "#invoices"
    form = InvoiceRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("amount", [])) or _("请检查开票金额。"))
        return redirect(back)
    try:
        invoice = invoice_request(
            receipt=receipt, by=request.user, amount=form.cleaned_data["amount"]
        )
    except ApplicationError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, _("已提交开票申请：%(amount)s 元。") % {"amount": f"{invoice.amount:,.2f}"}
    )
    return redirect(back)


def _academy_only(request) -> None:
    if not access.is_academy(request.user):
        raise PermissionDenied


def _date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw.strip()[:10]) if raw.strip() else None
    except ValueError:
        return None


def _filters(request) -> dict:
    raw_province = request.GET.get("province", "").strip()
    return {
        "status": request.GET.get("status", "").strip()[:16] or None,
        "search": request.GET.get("q", "")[:100],
        "province_id": int(raw_province)
        if raw_province.isdigit() and 0 < int(raw_province) <= MAX_PK
        else None,
        "requested_from": _date(request.GET.get("from", "")),
        "requested_to": _date(request.GET.get("to", "")),
    }


@login_required
def invoice_list_view(request):
    _academy_only(request)
    filters = _filters(request)
    rows = invoice_list(user=request.user, **filters)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": InvoiceStatus.choices,
            "provinces": Province.objects.order_by("code"),
        },
    )


@login_required
def invoice_export_view(request):
    _academy_only(request)
    rows = invoice_list(user=request.user, **_filters(request))
    headers = [
        _("发票抬头"), _("纳税人识别号"), _("开票金额（元）"), _("回执编号"), _("参训单位"),
        _("省份"), _("申请日期"), _("状态"), _("发票号码"), _("开票日期"),
    ]  # fmt: skip
    return xlsx_response(
        filename=f"invoice-requests-{timezone.localdate():%Y%m%d}.xlsx",
        title=_("开票申请"),
        headers=headers,
        rows=(
            [
                invoice.title,
                invoice.taxpayer_id,
                invoice.amount,  # Decimal, exact to the fen
                invoice.receipt_id,
                invoice.receipt.institution.name,
                invoice.receipt.institution.province.name,
                timezone.localtime(invoice.created_at).date(),
                str(invoice.get_status_display()),
                invoice.number,
                invoice.issued_on,
            ]
            for invoice in rows.iterator(chunk_size=2000)
        ),
    )


@login_required
def invoice_record_view(request, pk: int):
    _academy_only(request)
    if not 0 < pk <= MAX_PK:
        raise Http404
    invoice = invoice_list(user=request.user).filter(pk=pk).first()
    if invoice is None:
        raise Http404
    initial = {"number": invoice.number, "issued_on": invoice.issued_on or timezone.localdate()}
    form = InvoiceRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invoice_record(
                invoice=invoice,
                by=request.user,
                number=form.cleaned_data["number"],
                issued_on=form.cleaned_data["issued_on"],
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message) from None
            for name, errors in error.fields.items():
                if name in form.fields:
                    for message in errors:
                        form.add_error(name, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("已登记发票号码。"))
            return redirect("billing:invoice-list")
    return render(request, "billing/invoice_record.html", {"invoice": invoice, "form": form})


urlpatterns = [
    path("billing/receipts/<int:pk>/invoices/", invoice_request_view, name="invoice-request"),
    path("billing/invoices/", invoice_list_view, name="invoice-list"),
    path("billing/invoices/export.xlsx", invoice_export_view, name="invoice-export"),
    path("billing/invoices/<int:pk>/record/", invoice_record_view, name="invoice-record"),
]
