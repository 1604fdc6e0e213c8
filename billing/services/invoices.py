"""Invoices (发票): a school (or the academy for it) requests one for a receipt, with the receipt's
invoice title and taxpayer id; the academy records the number and date once the finance office has
issued it. An invoice asks for no more than the current quote leaves uninvoiced."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceStatus
from billing.selectors import current_quote
from billing.services.notices import BILLED_STATUSES, CENT, money
from enrollment.models import Receipt
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import Role, User
from portal.services import audit_record

# 8 digits: a paper (or electronic) VAT invoice's number; 20 digits: a fully digital one (数电发票).
INVOICE_NUMBER = re.compile(r"\d{8}|\d{20}")


def may_request_invoice(user, receipt: Receipt) -> bool:
    """The school's own staff, or the academy desk that sees the receipt."""
    if access.has_role(user, Role.INSTITUTION_STAFF):
        return user.institution_id == receipt.institution_id
    return access.is_academy(user) and access.can(user, access.VIEW, receipt)


def may_record_invoice(user, invoice: Invoice) -> bool:
    return access.is_academy(user) and access.can(user, access.VIEW, invoice.receipt)


def invoiced_total(receipt: Receipt) -> Decimal:
    """What the receipt's invoices (requested or issued) already cover."""
    total = Invoice.objects.filter(receipt=receipt).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def invoice_remaining(receipt: Receipt) -> Decimal | None:
    """The current quote's total less what invoices already cover (``None``: nothing to bill)."""
    if receipt.status not in BILLED_STATUSES:
        return None
    quote = current_quote(receipt)
    if quote is None:
        return None
    return quote.total - invoiced_total(receipt)


def _amount(value) -> Decimal:
    if isinstance(value, float):  # never a float on the money path
        raise ApplicationError(_("开票金额格式不正确。"), fields={"amount": [_("格式不正确。")]})
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("开票金额格式不正确。"), fields={"amount": [_("格式不正确。")]}
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ApplicationError(
            _("开票金额最多两位小数。"), fields={"amount": [_("最多两位小数。")]}
        )
    return amount.quantize(CENT)


@transaction.atomic
def invoice_request(*, receipt: Receipt, by: User, amount=None) -> Invoice:
    """Request an invoice for ``amount`` (default: what the current quote leaves uninvoiced)."""
    if not may_request_invoice(by, receipt):
        raise PermissionRefused(_("只有该单位的工作人员或学院可以申请开票。"))
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)  # one request at a time
    remaining = invoice_remaining(receipt)
    if remaining is None:
        raise StateConflict(_("该回执尚未审核通过或尚无报价，暂不能申请开票。"))
    if remaining <= 0:
        raise StateConflict(_("该回执的应缴金额已全部申请开票。"))
    amount = remaining if amount in (None, "") else _amount(amount)
    if amount <= 0:
        raise ApplicationError(
            _("开票金额须大于 0。"), fields={"amount": [_("开票金额须大于 0。")]}
        )
    if amount > remaining:
        message = _("开票金额不能超过尚未开票的应缴金额 %(remaining)s 元。") % {
            "remaining": money(remaining)
        }
        raise ApplicationError(message, fields={"amount": [message]})
    invoice = Invoice(
        receipt=receipt,
        title=receipt.invoice_title,
        taxpayer_id=receipt.taxpayer_id,
        amount=amount,
    )
    validate_instance(invoice)
    invoice.save()
    audit_record(
        actor=by,
        action="invoice.request",
        target=invoice,
        details={"receipt": receipt.pk, "amount": str(amount)},
    )
    return invoice


def _invoice_number(number: str) -> str:
    text = unicodedata.normalize("NFKC", str(number or ""))
    text = re.sub(r"\s+", "", text)
    if not INVOICE_NUMBER.fullmatch(text):
        message = _("发票号码应为 8 位或 20 位数字。")
        raise ApplicationError(message, fields={"number": [message]})
    return text


@transaction.atomic
def invoice_record(*, invoice: Invoice, by: User, number: str, issued_on: datetime.date) -> Invoice:
    """Record the number and date of an issued invoice (the academy only). Recording again
    corrects a mistake; a number already recorded on another invoice is refused."""
    if not may_record_invoice(by, invoice):
        raise PermissionRefused(_("只有学院可以登记发票号码。"))
    number = _invoice_number(number)
    if not isinstance(issued_on, datetime.date) or isinstance(issued_on, datetime.datetime):
        raise ApplicationError(_("请填写开票日期。"), fields={"issued_on": [_("请填写开票日期。")]})
    if issued_on > timezone.localdate():
        message = _("开票日期不能晚于今天。")
        raise ApplicationError(message, fields={"issued_on": [message]})
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if Invoice.objects.filter(number=number).exclude(pk=invoice.pk).exists():
        raise StateConflict(_("发票号码 %(number)s 已登记在另一张发票上。") % {"number": number})
    previous = {"number": invoice.number, "issued_on": str(invoice.issued_on or "")}
    invoice.number = number
    invoice.issued_on = issued_on
    invoice.status = InvoiceStatus.ISSUED
    invoice.recorded_by = by
    validate_instance(invoice, exclude=["number"])  # uniqueness answered above, as a conflict
    try:
        with transaction.atomic():
            invoice.save(
                update_fields=["number", "issued_on", "status", "recorded_by", "updated_at"]
            )
    except IntegrityError:
        raise StateConflict(
            _("发票号码 %(number)s 已登记在另一张发票上。") % {"number": number}
        ) from None
    audit_record(
        actor=by,
        action="invoice.record",
        target=invoice,
        details={"number": number, "issued_on": str(issued_on), "previous": previous},
    )
    return invoice
