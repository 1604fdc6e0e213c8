"""What the receipt page shows of its fee (``billing/_receipt_quote.html``, included by
``enrollment/receipt_detail.html``): ``{% receipt_quotes receipt user as quoting %}``, and the
``yuan`` / ``signed_yuan`` filters (196,000.00 / +200.00)."""

from decimal import Decimal

from django import template

from billing.models import NegotiatedFee, Quote
from billing.selectors import quote_history
from billing.services.quotes import (
    NEGOTIABLE_STATUSES,
    price_lines,
    receipt_fee_requests,
)
from billing.views.quotes import NegotiatedFeeForm, yuan
from courses.models import FeeRule
from portal import access

register = template.Library()


@register.filter(name="yuan")
def yuan_filter(amount) -> str:
    if amount is None or amount == "":
        return ""
    return yuan(Decimal(amount))


@register.filter
def signed_yuan(amount) -> str:
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    sign = "+" if amount > 0 else ("-" if amount < 0 else "±")
    return sign + yuan(abs(amount))


@register.simple_tag
def receipt_quotes(receipt, user) -> dict | None:
    """None for whoever sees no money (a learner, anybody outside the receipt's scope). A fixed
    number of queries whatever the number of lines and versions: the versions with their lines
    (2), the custom lines with their fees (1), before approval the estimate (1)."""
    if receipt is None or receipt.pk is None or not access.can(user, access.VIEW, Quote):
        return None
    quotes = quote_history(receipt)
    custom = [
        line
        for line in receipt.lines.select_related("program", "negotiated_fee").order_by(
            "program__position", "id"
        )
        if line.program.fee_rule == FeeRule.NEGOTIATED
    ]
    academy = access.is_academy(user)
    may_negotiate = (
        academy
        and access.can(user, access.ADD, NegotiatedFee)
        and receipt.status in NEGOTIABLE_STATUSES
    )
    estimate = None if quotes else price_lines(receipt_fee_requests(receipt))
    return {
        "current": quotes[0] if quotes else None,
        "earlier": quotes[1:],
        "estimate": estimate,
        "custom": [
            {
                "line": line,
                "fee": getattr(line, "negotiated_fee", None),
                "form": NegotiatedFeeForm(
                    initial={
                        "amount": line.negotiated_fee.amount,
                        "note": line.negotiated_fee.note,
                    }
                    if getattr(line, "negotiated_fee", None)
                    else None,
                    auto_id=f"id_line{line.pk}_%s",
                )
                if may_negotiate
                else None,
            }
            for line in custom
        ],
        "may_negotiate": may_negotiate,
        "academy": academy,
    }
