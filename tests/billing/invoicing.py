"""Receipts with a quote, for the notice and invoice tests (built through the services, the quote's
figures written as the quote rules would)."""

from decimal import Decimal

from billing.models import Quote, QuoteLine, QuoteReason
from courses.models import FeeRule, Program
from enrollment.models import Receipt, ReceiptStatus
from enrollment.services import receipt_approve


def approved(receipt: Receipt, by) -> Receipt:
    if receipt.status == ReceiptStatus.SUBMITTED:
        receipt = receipt_approve(receipt=receipt, by=by)
    return receipt


def add_quote(receipt: Receipt, by, lines: list[tuple[str, int, int, str]]) -> Quote:
    """A new current quote of ``lines`` (program code, people, quantity, unit price)."""
    latest = Quote.objects.filter(receipt=receipt).order_by("-version").first()
    total = sum((Decimal(price) * quantity for _, _, quantity, price in lines), Decimal("0.00"))
    quote = Quote.objects.create(
        receipt=receipt,
        version=(latest.version + 1) if latest else 1,
        reason=QuoteReason.NEGOTIATED if latest else QuoteReason.APPROVAL,
        total=total,
        previous_total=latest.total if latest else None,
        created_by=by,
    )
    for code, people, quantity, price in lines:
        program = Program.objects.get(code=code)
        QuoteLine.objects.create(
            quote=quote,
            program=program,
            fee_rule=program.fee_rule,
            people=people,
            quantity=quantity,
            unit_price=Decimal(price),
            amount=Decimal(price) * quantity,
            note="协商确定" if program.fee_rule == FeeRule.NEGOTIATED else "",
        )
    return quote


def quoted_receipt(world, lines=None) -> Receipt:
    """school_a's receipt, approved by the 本科 desk, with a current quote of ``lines``
    (default: 980 people of a per-person topic at 200 元 = 196,000.00 元)."""
    receipt = approved(world.receipt_a, world.users["coord_ug"])
    add_quote(
        receipt, world.users["coord_ug"], lines or [("party-affairs-staff", 980, 980, "200.00")]
    )
    return receipt
