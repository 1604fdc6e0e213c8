"""Ledger pages: a coordinator records a payment, refund or adjustment on a receipt, imports the
bank statement and settles its proposed and unmatched lines, and follows the receivables per desk
and province with the overdue list (and its .xlsx). Schools see their balance on the receipt page
(``billing/_receipt_balance.html``); learners see no money anywhere."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.models import (
    MAX_FEE,
    BankStatement,
    EntryKind,
    LedgerEntry,
    LineStatus,
    StatementLine,
)
from billing.selectors import receipt_balances, receipt_pk_from_reference, receivables
from billing.services.ledger import adjustment_record, payment_record, refund_record
from billing.services.statements import (
    OPEN_LINE_STATUSES,
    receipt_pk_from_text,
    statement_import,
    statement_line_confirm,
    statement_line_ignore,
)
from billing.statement_files import MAX_FILE_BYTES, MB
from enrollment.exports import xlsx_response
from enrollment.models import Receipt
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

MAX_PK = 2**63 - 1
PER_PAGE = 50
INPUT = {"class": "form-control"}


def _academy_only(request) -> None:
    if not access.is_academy(request.user):
        raise PermissionDenied


def _receipt_or_404(request, pk: int) -> Receipt:
    if not 0 < pk <= MAX_PK:
        raise Http404
    receipt = (
        access.scope(request.user, Receipt.objects.select_related("institution"))
        .filter(pk=pk)
        .first()
    )
    if receipt is None:
        raise Http404
    return receipt


# ---- a payment, refund or adjustment on a receipt ----


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=EntryKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=-MAX_FEE,
        max_value=MAX_FEE,
        help_text=gettext_lazy("收款、退款填正数；调整可填负数（冲减已收）。"),
        widget=forms.NumberInput(attrs={**INPUT, "step": "0.01"}),
    )
    booked_on = forms.DateField(
        label=gettext_lazy("到账日期"),
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}, format="%Y-%m-%d"),
    )
    payer_unit = forms.CharField(
        label=gettext_lazy("付款单位"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=INPUT),
    )
    bank_reference = forms.CharField(
        label=gettext_lazy("银行流水号"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs=INPUT),
    )
    note = forms.CharField(
        label=gettext_lazy("备注"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("调整须写明原因。"),
        widget=forms.TextInput(attrs=INPUT),
    )


RECORDERS: dict[str, Callable[..., LedgerEntry]] = {
    EntryKind.PAYMENT: payment_record,
    EntryKind.REFUND: refund_record,
    EntryKind.ADJUSTMENT: adjustment_record,
}


@login_required
def entry_add_view(request, pk: int):
    receipt = _receipt_or_404(request, pk)
    _academy_only(request)
    form = EntryForm(
        request.POST or None,
        initial={
            "kind": EntryKind.PAYMENT,
            "booked_on": timezone.localdate(),
            "payer_unit": receipt.invoice_title,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            RECORDERS[data["kind"]](
                receipt=receipt,
                by=request.user,
                amount=data["amount"],
                booked_on=data["booked_on"],
                payer_unit=data["payer_unit"],
                bank_reference=data["bank_reference"],
                note=data["note"],
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("已登记。"))
            return redirect("enrollment:receipt-detail", pk=receipt.pk)
    balance = receipt_balances([receipt])[receipt.pk]
    return render(
        request,
        "billing/entry_form.html",
        {"receipt": receipt, "form": form, "balance": balance},
        status=400 if request.method == "POST" else 200,
    )


# ---- bank statements ----


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("银行流水文件"),
        help_text=gettext_lazy(
            "网银导出的 .xlsx 或 .xls 文件，含交易日期、付款人名称、付款人账号、金额、附言等列。"
        ),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(limit)s MB，请拆分后分批导入。") % {"limit": MAX_FILE_BYTES // MB}
            )
        return upload


def _import_message(request, result) -> None:
    if result.already_imported:
        messages.info(
            request,
            _("这份流水文件已于 %(at)s 导入过，没有新增任何记录。")
            % {"at": timezone.localtime(result.statement.imported_at).strftime("%Y-%m-%d %H:%M")},
        )
    elif result.added == 0:
        messages.info(
            request,
            _("流水中的 %(n)s 笔收入均已导入过，没有新增记录。") % {"n": result.repeated},
        )
    else:
        text = _(
            "已导入 %(added)s 笔：按附言自动入账 %(matched)s 笔，待确认 %(proposed)s 笔，"
            "未匹配 %(unmatched)s 笔。"
        ) % {
            "added": result.added,
            "matched": result.matched,
            "proposed": result.proposed,
            "unmatched": result.unmatched,
        }
        if result.repeated:
            text += _("另有 %(n)s 笔此前已导入，已跳过。") % {"n": result.repeated}
        messages.success(request, text)


@login_required
def statement_import_view(request):
    _academy_only(request)
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = statement_import(data=upload.read(), filename=upload.name, by=request.user)
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            if result.ok:
                _import_message(request, result)
                if result.statement is not None:
                    return redirect("billing:statement-detail", pk=result.statement.pk)
                return redirect("billing:statement-import")
            errors = result.errors
    statements = BankStatement.objects.select_related("imported_by").order_by("-imported_at")[:20]
    return render(
        request,
        "billing/statement_import.html",
        {
            "form": form,
            "errors": errors,
            "statements": statements,
            "open_lines": StatementLine.objects.filter(status__in=OPEN_LINE_STATUSES).count(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _lines_context(lines) -> list[dict]:
    """Lines with their receipts' balances (one query) and why an unmatched code named nothing."""
    lines = list(lines)
    receipts = [line.receipt for line in lines if line.receipt is not None]
    balances = receipt_balances(receipts) if receipts else {}
    rows = []
    for line in lines:
        hint = ""
        if line.status == LineStatus.UNMATCHED:
            pk = receipt_pk_from_reference(line.remark)
            if pk is not None:
                hint = _("附言中的编码对应回执 #%(pk)s，该回执不存在或未处于可收款状态。") % {
                    "pk": pk
                }
        elif line.status == LineStatus.PROPOSED and receipt_pk_from_reference(line.remark):
            hint = _("附言编码已匹配，但该回执已有同日同金额的手工登记收款，请核对后确认或忽略。")
        rows.append(
            {
                "line": line,
                "balance": balances.get(line.receipt_id) if line.receipt_id else None,
                "hint": hint,
                "open": line.status in OPEN_LINE_STATUSES,
            }
        )
    return rows


@login_required
def statement_detail_view(request, pk: int):
    _academy_only(request)
    if not 0 < pk <= MAX_PK:
        raise Http404
    statement = access.scope(request.user, BankStatement.objects.all()).filter(pk=pk).first()
    if statement is None:
        raise Http404
    lines = statement.lines.select_related("receipt__institution", "entry").order_by("row_number")
    rows = _lines_context(lines)
    groups = [
        (label, [row for row in rows if row["line"].status in statuses])
        for label, statuses in (
            (_("已入账"), (LineStatus.MATCHED, LineStatus.CONFIRMED)),
            (_("待确认"), (LineStatus.PROPOSED,)),
            (_("未匹配"), (LineStatus.UNMATCHED,)),
            (_("已忽略"), (LineStatus.IGNORED,)),
        )
    ]
    return render(
        request,
        "billing/statement_detail.html",
        {"statement": statement, "groups": groups, "back": request.get_full_path()},
    )


@login_required
def statement_lines_view(request):
    """The lines waiting for a coordinator: proposed first, then unmatched."""
    _academy_only(request)
    lines = (
        StatementLine.objects.filter(status__in=OPEN_LINE_STATUSES)
        .select_related("statement", "receipt__institution")
        .order_by("status", "booked_on", "id")  # "proposed" sorts before "unmatched"
    )
    page = Paginator(lines, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/statement_lines.html",
        {"page": page, "rows": _lines_context(page.object_list), "back": request.get_full_path()},
    )


def _line_or_404(request, pk: int) -> StatementLine:
    _academy_only(request)
    if not 0 < pk <= MAX_PK:
        raise Http404
    line = access.scope(request.user, StatementLine.objects.all()).filter(pk=pk).first()
    if line is None:
        raise Http404
    return line


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("billing:statement-lines")


@login_required
@require_POST
def statement_line_confirm_view(request, pk: int):
    line = _line_or_404(request, pk)
    named = request.POST.get("receipt", "").strip()[:64]
    receipt = None
    if named:
        receipt_pk = receipt_pk_from_text(named)
        receipt = (
            access.scope(request.user, Receipt.objects.all()).filter(pk=receipt_pk).first()
            if receipt_pk
            else None
        )
        if receipt is None:
            messages.error(
                request,
                _("没有找到回执「%(text)s」，请填写回执编号或汇款附言编码。") % {"text": named},
            )
            return _back(request)
    try:
        entry = statement_line_confirm(line=line, by=request.user, receipt=receipt)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已将 %(amount)s 元登记为回执 #%(pk)s 的收款。")
            % {"amount": entry.amount, "pk": entry.receipt_id},
        )
    return _back(request)


@login_required
@require_POST
def statement_line_ignore_view(request, pk: int):
    line = _line_or_404(request, pk)
    try:
        statement_line_ignore(line=line, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已标记为不属于培训费。"))
    return _back(request)


# ---- receivables ----


def _receivables(request):
    _academy_only(request)
    return receivables(access.scope(request.user, Receipt.objects.all()))


@login_required
def receivables_view(request):
    report = _receivables(request)
    return render(request, "billing/receivables.html", {"report": report})


@login_required
def receivables_export_view(request):
    report = _receivables(request)
    only_overdue = request.GET.get("overdue") == "1"
    items = report.overdue if only_overdue else report.items
    headers = [
        _("回执编号"), _("学校"), _("省份"), _("条线"), _("回执状态"), _("审核通过日期"),
        _("应收（元）"), _("已收（元）"), _("未收（元）"), _("多付（元）"), _("缴费状态"),
        _("逾期天数"),
    ]  # fmt: skip

    def rows():
        for item in items:
            receipt, balance = item.receipt, item.balance
            approved = timezone.localtime(item.approved_at).date() if item.approved_at else None
            yield [
                receipt.pk,
                receipt.institution.name,
                receipt.institution.province.name,
                receipt.get_desk_display(),
                receipt.get_status_display(),
                approved,
                balance.due,
                balance.paid,
                balance.outstanding,
                balance.overpaid_by,
                balance.label,
                item.overdue_days,
            ]

    stamp = timezone.localtime().strftime("%Y%m%d")
    name = "overdue" if only_overdue else "receivables"
    return xlsx_response(
        filename=f"{name}-{stamp}.xlsx",
        title=_("逾期应收") if only_overdue else _("应收账款"),
        headers=headers,
        rows=rows(),
    )


urlpatterns = [
    path("billing/receipts/<int:pk>/ledger/add/", entry_add_view, name="entry-add"),
    path("billing/statements/", statement_import_view, name="statement-import"),
    path("billing/statements/<int:pk>/", statement_detail_view, name="statement-detail"),
    path("billing/statement-lines/", statement_lines_view, name="statement-lines"),
    path(
        "billing/statement-lines/<int:pk>/confirm/",
        statement_line_confirm_view,
        name="statement-line-confirm",
    ),
    path(
        "billing/statement-lines/<int:pk>/ignore/",
        statement_line_ignore_view,
        name="statement-line-ignore",
    ),
    path("billing/receivables/", receivables_view, name="receivables"),
    path("billing/receivables.xlsx", receivables_export_view, name="receivables-export"),
]
