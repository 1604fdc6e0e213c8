"""The payment notice (缴费通知单): a PDF a school downloads for an approved receipt, showing what
its current quote asks, in figures and in Chinese capitals, the academy's account and the reference
code to write in the transfer's remark. Rendered by the portal's one PDF path (``portal.pdf``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import cn2an
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.selectors import current_quote, payment_reference
from courses.models import FeeRule
from enrollment.models import Receipt, ReceiptStatus
from portal import access
from portal.errors import PermissionRefused, StateConflict
from portal.models import Role
from portal.pdf import render_pdf

NOTICE_TEMPLATE = "billing/payment_notice.pdf.html"
CENT = Decimal("0.01")
# What a receipt can be billed in: the quotes' columns (12 digits, 2 places).
MAX_CAPITALS = Decimal("9999999999.99")
# A notice is for a receipt the academy approved (and, later, scheduled into cohorts).
BILLED_STATUSES = (ReceiptStatus.APPROVED, ReceiptStatus.SCHEDULED)


def amount_in_capitals(amount: Decimal) -> str:
    """An amount in 元 in Chinese capital numerals as a cheque or a bank form writes it.

    ``cn2an`` (rmb mode) writes the 元 part and the 零 between places; the financial convention
    (《支付结算办法》附件, 会计基础工作规范) ends an amount without 分 with 整: 壹拾玖万陆仟元整,
    壹拾玖万陆仟元伍角整, but 壹拾玖万陆仟元零伍分 — cn2an leaves the 整 off after 角, so it is
    added here. Negative amounts and more than the columns hold are refused (``ValueError``)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError("an amount is a finite Decimal")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0 or amount > MAX_CAPITALS:
        raise ValueError("amount out of range")
    words = cn2an.an2cn(f"{amount:f}", "rmb")
    if words.endswith("角"):
        words += "整"
    return words


def money(amount: Decimal) -> str:
    """An amount in figures with thousands separators: 196,000.00 (exact, from the Decimal)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def _fee_rule_label(code: str) -> str:
    try:
        return str(FeeRule(code).label)
    except ValueError:
        return code


def may_see_notice(user, receipt: Receipt) -> bool:
    """The school's staff, its province and the academy (who may see the receipt); no learner."""
    if access.has_role(user, Role.LEARNER):
        return False
    return access.can(user, access.VIEW, receipt)


def notice_context(receipt: Receipt) -> dict:
    """What the notice shows; StateConflict when the receipt has no quote to bill yet."""
    quote = current_quote(receipt) if receipt.status in BILLED_STATUSES else None
    if quote is None:
        raise StateConflict(
            _("该回执尚未审核通过或尚无报价，暂不能生成缴费通知单。审核通过后即可下载。")
        )
    lines = [
        {
            "program": line.program.name,
            "fee_rule": _fee_rule_label(line.fee_rule),
            "people": line.people,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "amount": money(line.amount),
            "note": line.note,
        }
        for line in quote.lines.all()  # prefetched with their programs, in order
    ]
    return {
        "receipt": receipt,
        "school": receipt.institution.name,
        "quote": quote,
        "lines": lines,
        "total": quote.total,
        "total_figures": money(quote.total),
        "total_capitals": amount_in_capitals(quote.total),
        "reference": payment_reference(receipt),
        "payee": settings.BILLING_PAYEE,
        "bank": settings.BILLING_BANK,
        "account": settings.BILLING_ACCOUNT,
        "interbank_number": settings.BILLING_INTERBANK_NUMBER,
        "issuer": settings.CERTIFICATE_ISSUER,
        "issued_on": timezone.localdate(),
    }


def notice_pdf(*, receipt: Receipt, by) -> bytes:
    """The notice as a PDF, for whoever may see it; PermissionRefused or StateConflict else."""
    if not may_see_notice(by, receipt):
        raise PermissionRefused(_("您无权下载该回执的缴费通知单。"))
    context = notice_context(receipt)
    return render_pdf(
        NOTICE_TEMPLATE,
        context,
        metadata={"PaymentReference": context["reference"]},
    )


def notice_filename(receipt: Receipt) -> str:
    return f"payment-notice-{receipt.pk}.pdf"
