"""What the receipt page shows of its payment notice and invoices (``billing/_receipt_invoices.html``,
included by ``enrollment/receipt_detail.html``): ``{% receipt_invoices receipt user as billing %}``."""

from django import template

from billing.selectors import payment_reference
from billing.services.invoices import (
    invoice_remaining,
    may_record_invoice,
    may_request_invoice,
)
from billing.services.notices import BILLED_STATUSES, may_see_notice
from billing.views.invoices import InvoiceRequestForm
from portal import access

register = template.Library()


@register.simple_tag
def receipt_invoices(receipt, user) -> dict | None:
    """None when there is nothing to show: the receipt is not billed yet, or the user sees no money."""
    if (
        receipt is None
        or receipt.status not in BILLED_STATUSES
        or not may_see_notice(user, receipt)
    ):
        return None
    invoices = list(access.scope(user, receipt.invoices.all()).order_by("created_at", "id"))
    remaining = invoice_remaining(receipt)
    may_request = remaining is not None and remaining > 0 and may_request_invoice(user, receipt)
    return {
        "reference": payment_reference(receipt),
        "has_quote": remaining is not None,
        "invoices": invoices,
        "remaining": remaining,
        "may_request": may_request,
        "request_form": InvoiceRequestForm() if may_request else None,
        "may_record": bool(invoices) and may_record_invoice(user, invoices[0]),
    }
