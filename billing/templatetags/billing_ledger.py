"""What the receipt page shows of its account (``billing/_receipt_balance.html``, included by
``enrollment/receipt_detail.html``): ``{% receipt_ledger receipt user as ledger %}``."""

from django import template

from billing.models import LedgerEntry
from billing.selectors import PAYABLE_STATUSES, receipt_balances
from portal import access

register = template.Library()


@register.simple_tag
def receipt_ledger(receipt, user) -> dict | None:
    """None when there is nothing to show (the receipt takes no payments and has no entries) or
    the user sees no money (a learner, anybody outside the receipt's scope)."""
    if receipt is None or not access.can(user, access.VIEW, LedgerEntry):
        return None
    entries = list(
        access.scope(user, LedgerEntry.objects.filter(receipt=receipt))
        .select_related("created_by", "statement_line")
        .order_by("booked_on", "id")
    )
    if receipt.status not in PAYABLE_STATUSES and not entries:
        return None
    academy = access.is_academy(user)
    return {
        "balance": receipt_balances([receipt])[receipt.pk],
        "entries": entries,
        "academy": academy,
        "may_record": academy and access.can(user, access.ADD, LedgerEntry),
    }
