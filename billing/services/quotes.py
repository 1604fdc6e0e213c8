"""Quotes (报价): what a receipt costs by the catalog's rules, fixed at approval and re-fixed, as a
new version, whenever its roster or a negotiated fee changes after that.

One rule prices everything: ``price_lines`` turns (program, people[, negotiated fee]) into quote
lines. ``quote_compute`` feeds it a saved receipt, ``quote_estimate`` the headcounts a school is
still typing into its receipt form; nothing else (no page, no script) knows a fee rule.

- per person per topic: the program's fee (200 or 280 元) × the people;
- per workshop: the fee (98,000 元) per workshop of at most ``max_participants`` (50) people, so
  51 people need 2 workshops, and the line says so; nobody is squeezed into a full workshop;
- negotiated (委托定制): the amount a coordinator entered for that line, with its note.

The people of a line are those on the receipt's roster for it; before the receipt has a roster at
all, the headcount the school reported. Money is ``Decimal`` with two places throughout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import NegotiatedFee, Quote, QuoteLine, QuoteReason
from billing.selectors import current_quote
from courses.models import FeeRule, Program
from enrollment.models import Receipt, ReceiptLine, ReceiptStatus
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# A receipt whose quote is fixed: approved, and after that scheduled into cohorts.
QUOTED_STATUSES = (ReceiptStatus.APPROVED, ReceiptStatus.SCHEDULED)
# When a coordinator may enter the negotiated fee of a custom line: from submission on.
NEGOTIABLE_STATUSES = (
    ReceiptStatus.SUBMITTED,
    ReceiptStatus.RETURNED,
    ReceiptStatus.APPROVED,
    ReceiptStatus.SCHEDULED,
)


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


@dataclass(frozen=True, slots=True)
class FeeRequest:
    """One program asked for, with its people and, for a negotiated program, the agreed fee."""

    program: Program
    people: int
    negotiated: Decimal | None = None
    negotiated_note: str = ""


@dataclass(frozen=True, slots=True)
class QuoteLineDraft:
    program: Program
    fee_rule: str
    people: int
    quantity: int
    unit_price: Decimal
    amount: Decimal
    note: str

    def key(self) -> tuple:
        """What makes two lines the same line of a quote."""
        return (
            self.program.pk,
            self.fee_rule,
            self.people,
            self.quantity,
            money(self.unit_price),
            money(self.amount),
            self.note,
        )


@dataclass(frozen=True, slots=True)
class QuoteDraft:
    """Priced lines and their total; ``pending`` holds the negotiated programs without a fee yet
    (their amount is not in the total)."""

    lines: tuple[QuoteLineDraft, ...]
    total: Decimal
    pending: tuple[Program, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.pending


def _workshop_note(people: int, quantity: int, cap: int | None) -> str:
    if people == 0:
        return ""
    if cap is None:
        return _("%(people)s 人，1 个工作坊") % {"people": people}
    if quantity == 1:
        return _("%(people)s 人，1 个工作坊（每坊不超过 %(cap)s 人）") % {
            "people": people,
            "cap": cap,
        }
    return _("%(people)s 人，需 %(n)s 个工作坊（每坊不超过 %(cap)s 人）") % {
        "people": people,
        "n": quantity,
        "cap": cap,
    }


def price_line(request: FeeRequest) -> QuoteLineDraft | None:
    """The quote line of one request by its program's fee rule; None for a negotiated program
    whose fee has not been entered."""
    program, people = request.program, max(int(request.people), 0)
    rule = program.fee_rule
    if rule == FeeRule.NEGOTIATED:
        if request.negotiated is None:
            return None
        price = money(request.negotiated)
        note = _("协商确定")
        if request.negotiated_note:
            note = f"{note}：{request.negotiated_note}"
        return QuoteLineDraft(program, rule, people, 1, price, price, note[:200])
    price = money(program.fee_amount or ZERO)
    if rule == FeeRule.PER_WORKSHOP:
        cap = program.max_participants
        quantity = (math.ceil(people / cap) if cap else 1) if people else 0
        note = _workshop_note(people, quantity, cap)
        return QuoteLineDraft(program, rule, people, quantity, price, price * quantity, note)
    # per person per topic (and any other priced rule): the fee for each person
    return QuoteLineDraft(program, rule, people, people, price, price * people, "")


def price_lines(requests: Iterable[FeeRequest]) -> QuoteDraft:
    """THE fee rule: every request priced, and the total to the fen."""
    lines: list[QuoteLineDraft] = []
    pending: list[Program] = []
    for request in requests:
        line = price_line(request)
        if line is None:
            pending.append(request.program)
        else:
            lines.append(line)
    total = money(sum((line.amount for line in lines), ZERO))
    return QuoteDraft(lines=tuple(lines), total=total, pending=tuple(pending))


def quote_estimate(pairs: Iterable[tuple[Program, int]]) -> QuoteDraft:
    """The fee of headcounts not yet saved (the receipt form), by the same rule as a quote."""
    return price_lines(FeeRequest(program, people) for program, people in pairs if people > 0)


def receipt_fee_requests(receipt: Receipt) -> list[FeeRequest]:
    """The receipt's lines as fee requests: their roster's people (the headcount reported while
    the receipt has no roster at all) and their negotiated fee. One query."""
    lines = list(
        ReceiptLine.objects.filter(receipt_id=receipt.pk)
        .select_related("program", "negotiated_fee")
        .annotate(on_roster=Count("roster"))
        .order_by("program__position", "id")
    )
    has_roster = any(line.on_roster for line in lines)
    requests = []
    for line in lines:
        fee: NegotiatedFee | None = getattr(line, "negotiated_fee", None)
        requests.append(
            FeeRequest(
                program=line.program,
                people=line.on_roster if has_roster else line.participants,
                negotiated=fee.amount if fee is not None else None,
                negotiated_note=fee.note if fee is not None else "",
            )
        )
    return requests


def missing_fee_error(programs: Iterable[Program]) -> ApplicationError:
    names = "、".join(program.name for program in programs)
    return ApplicationError(_("委托定制班次「%(name)s」尚未录入协商费用。") % {"name": names})


def quote_compute(receipt: Receipt) -> QuoteDraft:
    """The receipt's fee by the catalog's rules. Refuses (ApplicationError) while a negotiated
    line has no fee: such a quote cannot be fixed."""
    draft = price_lines(receipt_fee_requests(receipt))
    if draft.pending:
        raise missing_fee_error(draft.pending)
    return draft


def _same(quote: Quote, draft: QuoteDraft) -> bool:
    kept = [
        (
            line.program_id,
            line.fee_rule,
            line.people,
            line.quantity,
            money(line.unit_price),
            money(line.amount),
            line.note,
        )
        for line in quote.lines.all()
    ]
    return money(quote.total) == draft.total and kept == [line.key() for line in draft.lines]


@transaction.atomic
def quote_fix(*, receipt: Receipt, by: User, reason: str) -> Quote:
    """Fix the receipt's quote: a new version when the fee differs from the current one (the
    previous total kept beside it), else the current quote as it is. Never edits a quote.

    Holds the receipt's row lock, so two changes at once number their versions one after the
    other. The stored notes are in the site's language, whoever's page caused them."""
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    with translation.override(settings.LANGUAGE_CODE):
        draft = quote_compute(receipt)
    current = current_quote(receipt)
    if current is not None and _same(current, draft):
        return current
    quote = Quote.objects.create(
        receipt=receipt,
        version=current.version + 1 if current is not None else 1,
        reason=reason,
        total=draft.total,
        previous_total=current.total if current is not None else None,
        created_by=by,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            program=line.program,
            fee_rule=line.fee_rule,
            people=line.people,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            note=line.note,
        )
        for line in draft.lines
    )
    audit_record(
        actor=by,
        action="quote.fix",
        target=receipt,
        details={"version": quote.version, "reason": reason, "total": str(quote.total)},
    )
    return quote


def quote_refresh(*, receipt: Receipt, by: User, reason: str) -> Quote | None:
    """Re-quote after a change (roster, negotiated fee) if the receipt's quote is fixed already
    (approved or scheduled); before approval there is nothing to re-fix."""
    status = Receipt.objects.filter(pk=receipt.pk).values_list("status", flat=True).first()
    if status not in QUOTED_STATUSES:
        return None
    return quote_fix(receipt=receipt, by=by, reason=reason)


@transaction.atomic
def negotiated_fee_set(*, line: ReceiptLine, amount: Decimal, note: str, by: User) -> NegotiatedFee:
    """A coordinator of the receipt's desk enters (or corrects) the fee negotiated for a custom
    program of a receipt; an approved receipt is re-quoted at once."""
    receipt = (
        Receipt.objects.select_for_update().select_related("institution").get(pk=line.receipt_id)
    )
    if not access.is_academy(by) or not access.can(by, access.VIEW, receipt):
        raise PermissionRefused(_("只有受理该回执的学院项目负责人可以录入协商费用。"))
    line = ReceiptLine.objects.select_related("program").get(pk=line.pk)
    if line.program.fee_rule != FeeRule.NEGOTIATED:
        raise ApplicationError(
            _("「%(name)s」按目录标准收费，不需要录入协商费用。") % {"name": line.program.name}
        )
    if receipt.status not in NEGOTIABLE_STATUSES:
        raise StateConflict(
            _("回执当前为「%(status)s」，不能录入协商费用。")
            % {"status": receipt.get_status_display()}
        )
    fee = NegotiatedFee.objects.filter(line=line).first() or NegotiatedFee(line=line)
    before = None if fee.pk is None else str(fee.amount)
    fee.amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    fee.note = (note or "").strip()
    fee.entered_by = by
    validate_instance(fee, exclude=["line", "entered_by"])
    fee.save()
    audit_record(
        actor=by,
        action="quote.negotiated_fee",
        target=receipt,
        details={"line": line.pk, "amount": str(fee.amount), "before": before},
    )
    quote_refresh(receipt=receipt, by=by, reason=QuoteReason.NEGOTIATED)
    return fee
