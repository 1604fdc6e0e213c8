"""Reads of billing: what a receipt owes and how a payment names it.

The payment reference code (汇款附言编码) names a receipt in a bank transfer's remark: ``JX``, the
receipt's pk in at least six digits, and a check digit (ISO 7064 Mod 11,10, python-stdnum), which
catches every single mistyped digit and nearly every swap of two neighbours.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from stdnum.iso7064 import mod_11_10

REFERENCE_PREFIX = "JX"
REFERENCE_PK_DIGITS = 6  # the pk's digits at least; zero-padded
_MAX_PK = 2**63 - 1
_MAX_CODE_DIGITS = len(str(_MAX_PK)) + 1
# "JX" and then digits, which may be split by spaces or hyphens as people type them.
_CANDIDATE = re.compile(r"JX[\s\-]*(\d(?:[\s\-]*\d)*)")


def payment_reference(receipt) -> str:
    """The code a school writes in its transfer's remark, e.g. ``JX0000421`` for receipt 42."""
    return reference_for_pk(receipt.pk)


def reference_for_pk(pk: int) -> str:
    if not 0 < pk <= _MAX_PK:
        raise ValueError("not a receipt pk")
    digits = str(pk).zfill(REFERENCE_PK_DIGITS)
    return REFERENCE_PREFIX + digits + mod_11_10.calc_check_digit(digits)


def _pk_from_digits(digits: str) -> int | None:
    if not REFERENCE_PK_DIGITS + 1 <= len(digits) <= _MAX_CODE_DIGITS:
        return None
    if not mod_11_10.is_valid(digits):
        return None
    body = digits[:-1]
    # Exactly one spelling per pk: no extra leading zeros beyond the padding.
    if len(body) > REFERENCE_PK_DIGITS and body.startswith("0"):
        return None
    pk = int(body)
    return pk if 0 < pk <= _MAX_PK else None


def receipt_pk_from_reference(text: str | None) -> int | None:
    """The receipt pk of the first valid reference code anywhere in a bank remark, or ``None``.

    The remark is read after NFKC (full-width ``ＪＸ０１…`` and the ideographic space become ASCII)
    and in upper case; spaces and hyphens inside the code are tolerated. Digits that follow the
    code after a space (``JX0000421 5000元``) are tried without that tail too; a code whose check
    digit is wrong names nothing."""
    if not text:
        return None
    normal = unicodedata.normalize("NFKC", str(text)[:1000]).upper()
    for match in _CANDIDATE.finditer(normal):
        run = match.group(1)
        # The whole run first, then shorter readings that end where a separator was.
        pieces = re.split(r"[\s\-]+", run)
        for end in range(len(pieces), 0, -1):
            pk = _pk_from_digits("".join(pieces[:end]))
            if pk is not None:
                return pk
    return None


# ---------------------------------------------------------------------------------------------
# Balances and receivables (the "ledger" part): what a receipt owes against what has been paid.


class BalanceState:
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"


BALANCE_LABELS = {
    BalanceState.UNPAID: _lazy("未付款"),
    BalanceState.PARTLY_PAID: _lazy("部分付款"),
    BalanceState.PAID: _lazy("已付清"),
    BalanceState.OVERPAID: _lazy("多付"),
}
# Receipts that owe their quote and take payments.
PAYABLE_STATUSES = ("approved", "scheduled")
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Balance:
    """A receipt's account: ``due`` is its current quote's total (0 before it has one), ``paid``
    the sum of its ledger entries (payments less refunds, with adjustments)."""

    receipt_id: int
    due: Decimal
    paid: Decimal
    quoted: bool = True

    @property
    def outstanding(self) -> Decimal:
        """What is still owed (never negative: an overpayment is ``overpaid_by``)."""
        return max(self.due - self.paid, _ZERO)

    @property
    def overpaid_by(self) -> Decimal:
        return max(self.paid - self.due, _ZERO)

    @property
    def state(self) -> str:
        if self.paid > self.due:
            return BalanceState.OVERPAID
        if self.paid <= 0:
            return BalanceState.PAID if self.quoted and self.due == 0 else BalanceState.UNPAID
        return BalanceState.PAID if self.paid == self.due else BalanceState.PARTLY_PAID

    @property
    def label(self) -> str:
        return str(BALANCE_LABELS[self.state])

    @property
    def flagged(self) -> bool:
        """An overpayment is for a coordinator to look at (refund it, or adjust)."""
        return self.state == BalanceState.OVERPAID


def _money(value) -> Decimal:
    return _ZERO if value is None else Decimal(value).quantize(_ZERO)


def _latest_quote_total():
    """The total of a receipt's current quote (its highest version), as a subquery.

    The same reading as ``current_quote``: the quote with the highest version is the current one.
    """
    from billing.models import Quote

    return Subquery(
        Quote.objects.filter(receipt=OuterRef("pk")).order_by("-version").values("total")[:1]
    )


def _paid_sum():
    from billing.models import LedgerEntry

    return Subquery(
        LedgerEntry.objects.filter(receipt=OuterRef("pk"))
        .order_by()
        .values("receipt")
        .annotate(paid=Sum("amount"))
        .values("paid")[:1]
    )


def _approved_at():
    from enrollment.models import ReceiptTransition

    return Subquery(
        ReceiptTransition.objects.filter(receipt=OuterRef("pk"), to_status="approved")
        .order_by("-at", "-id")
        .values("at")[:1]
    )


def with_balances(receipts: QuerySet) -> QuerySet:
    """Receipts annotated with ``balance_due`` (None before a quote), ``balance_paid`` and
    ``approved_at``: one query for any number of receipts."""
    return receipts.annotate(
        balance_due=_latest_quote_total(), balance_paid=_paid_sum(), approved_at=_approved_at()
    )


def _balance_of(receipt) -> Balance:
    due = receipt.balance_due
    return Balance(
        receipt_id=receipt.pk,
        due=_money(due),
        paid=_money(receipt.balance_paid),
        quoted=due is not None,
    )


def receipt_balance(receipt) -> Balance:
    """The balance of one receipt: its current quote's total against the sum of its entries."""
    from enrollment.models import Receipt

    if hasattr(receipt, "balance_due") and hasattr(receipt, "balance_paid"):
        return _balance_of(receipt)
    annotated = with_balances(Receipt.objects.filter(pk=receipt.pk)).get()
    return _balance_of(annotated)


def receipt_balances(receipts) -> dict[int, Balance]:
    """Balances of many receipts (a queryset or receipts) by pk, in one query."""
    from enrollment.models import Receipt

    if isinstance(receipts, QuerySet):
        queryset = receipts
    else:
        queryset = Receipt.objects.filter(pk__in=[r.pk for r in receipts])
    return {r.pk: _balance_of(r) for r in with_balances(queryset.order_by())}


def payment_days() -> int:
    """Days after approval by which a receipt should be paid (BILLING_PAYMENT_DAYS, 30)."""
    return int(getattr(settings, "BILLING_PAYMENT_DAYS", 30))


@dataclass(frozen=True, slots=True)
class Receivable:
    """One payable receipt with its balance, and how late it is."""

    receipt: object
    balance: Balance
    approved_at: datetime.datetime | None
    overdue_days: int  # days past the payment term; 0 when not overdue

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass
class ReceivableTotals:
    label: str
    receipts: int = 0
    due: Decimal = _ZERO
    paid: Decimal = _ZERO
    outstanding: Decimal = _ZERO
    overdue: Decimal = _ZERO
    overdue_receipts: int = 0

    def add(self, item: Receivable) -> None:
        self.receipts += 1
        self.due += item.balance.due
        self.paid += item.balance.paid
        self.outstanding += item.balance.outstanding
        if item.overdue:
            self.overdue += item.balance.outstanding
            self.overdue_receipts += 1


@dataclass
class Receivables:
    items: list[Receivable]
    by_desk: list[ReceivableTotals]
    by_province: list[ReceivableTotals]
    total: ReceivableTotals
    days: int

    @property
    def overdue(self) -> list[Receivable]:
        return sorted((item for item in self.items if item.overdue), key=lambda i: -i.overdue_days)


def receivables(receipts: QuerySet, *, today: datetime.date | None = None) -> Receivables:
    """What the payable receipts among ``receipts`` (already narrowed to what the user may see)
    owe, by desk and by province, and which are overdue: outstanding and approved more than
    BILLING_PAYMENT_DAYS ago. One query."""
    from portal.models import Desk

    days = payment_days()
    today = today or timezone.localdate()
    rows = with_balances(
        receipts.filter(status__in=PAYABLE_STATUSES)
        .select_related("institution__province")
        .order_by("institution__province__code", "institution__name", "pk")
    )
    items: list[Receivable] = []
    desks = {value: ReceivableTotals(str(label)) for value, label in Desk.choices}
    provinces: dict[str, ReceivableTotals] = {}
    total = ReceivableTotals(str(_lazy("合计")))
    for receipt in rows:
        balance = _balance_of(receipt)
        approved_at = receipt.approved_at
        late = 0
        if approved_at is not None and balance.outstanding > 0:
            age = (today - timezone.localtime(approved_at).date()).days
            late = max(age - days, 0)
        item = Receivable(receipt, balance, approved_at, late)
        items.append(item)
        desks.setdefault(receipt.desk, ReceivableTotals(receipt.desk)).add(item)
        province = receipt.institution.province
        provinces.setdefault(province.code, ReceivableTotals(province.name)).add(item)
        total.add(item)
    return Receivables(
        items=items,
        by_desk=[totals for totals in desks.values() if totals.receipts],
        by_province=[provinces[code] for code in sorted(provinces)],
        total=total,
        days=days,
    )


# ---- invoices (notice+invoices part) ----


def invoice_list(
    *,
    user,
    status: str | None = None,
    search: str = "",
    province_id: int | None = None,
    requested_from: datetime.date | None = None,
    requested_to: datetime.date | None = None,
) -> QuerySet:
    """The invoices ``user`` may see, newest request first, with their receipt's school."""
    from django.db.models import Q

    from billing.models import Invoice, InvoiceStatus
    from portal import access

    rows = access.scope(
        user, Invoice.objects.select_related("receipt__institution__province", "recorded_by")
    )
    if status in InvoiceStatus.values:
        rows = rows.filter(status=status)
    search = search.replace("\x00", "").strip()[:100]  # PostgreSQL holds no NUL
    if search:
        rows = rows.filter(
            Q(title__icontains=search)
            | Q(taxpayer_id__icontains=search)
            | Q(number__icontains=search)
            | Q(receipt__institution__name__icontains=search)
        )
    if province_id is not None:
        rows = rows.filter(receipt__institution__province_id=province_id)
    if requested_from is not None:
        rows = rows.filter(created_at__date__gte=requested_from)
    if requested_to is not None:
        rows = rows.filter(created_at__date__lte=requested_to)
    return rows.order_by("-created_at", "-id")


# ---- quotes (quotes part) ----


def current_quote(receipt):
    """The receipt's current quote (its highest version) with its lines, or ``None`` before the
    receipt is approved. Two queries (the quote, its lines with their programs)."""
    from django.db.models import Prefetch

    from billing.models import Quote, QuoteLine

    return (
        Quote.objects.filter(receipt_id=receipt.pk)
        .select_related("created_by")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("program")))
        .order_by("-version")
        .first()
    )


def quote_history(receipt) -> list:
    """Every quote of the receipt, newest version first, with their lines (two queries)."""
    from django.db.models import Prefetch

    from billing.models import Quote, QuoteLine

    return list(
        Quote.objects.filter(receipt_id=receipt.pk)
        .select_related("created_by")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("program")))
        .order_by("-version")
    )
