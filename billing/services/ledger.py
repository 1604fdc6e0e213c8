"""The ledger (台账) of a receipt: payments, refunds and adjustments, each an entry that is never
edited or deleted (a mistake is corrected by another entry), each saying who made it.

Only academy coordinators record entries. A payment goes to a receipt that is approved or scheduled;
a double submission (the same payment sent twice in a short while, or one bank reference booked
twice on a receipt) is refused with a sentence rather than recorded twice.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import EntryKind, LedgerEntry, StatementLine
from billing.selectors import PAYABLE_STATUSES
from enrollment.models import Receipt
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record
from portal.validators import single_line_text

# The same payment submitted again within this window is taken for a double click.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
CENT = Decimal("0.01")


def _check_coordinator(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(_("只有学院项目负责人可以登记收付款。"))


def money(value, *, field: str = "amount") -> Decimal:
    """An amount in 元 as a Decimal of two places; a float, or more than two places, is refused."""
    if isinstance(value, float | bool):
        raise ApplicationError(
            _("金额须为精确的十进制数。"), fields={field: [_("金额格式不正确。")]}
        )
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("「金额」请输入数字。"), fields={field: [_("请输入数字。")]}
        ) from None
    if not amount.is_finite():
        raise ApplicationError(_("「金额」请输入数字。"), fields={field: [_("请输入数字。")]})
    if amount != amount.quantize(CENT):
        raise ApplicationError(
            _("「金额」最多保留两位小数（精确到分）。"),
            fields={field: [_("最多保留两位小数（精确到分）。")]},
        )
    return amount.quantize(CENT)


def _text(values: dict[str, str]) -> dict[str, str]:
    """Entered text, stripped and checked as one line each (the model's own lengths follow)."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        text = (value or "").strip()
        if text:
            try:
                single_line_text(text)
            except ValidationError as error:
                errors[name] = list(error.messages)
        cleaned[name] = text
    if errors:
        labels = {
            name: getattr(LedgerEntry._meta.get_field(name), "verbose_name", name)
            for name in errors
        }
        sentence = " ".join(f"「{labels[n]}」{''.join(m)}" for n, m in errors.items())
        raise ApplicationError(sentence, fields=errors)
    return cleaned


def _locked_receipt(receipt: Receipt) -> Receipt:
    if not 0 < receipt.pk < 2**63:
        raise ApplicationError(_("回执不存在。"))
    return Receipt.objects.select_for_update().get(pk=receipt.pk)


def _check_duplicate(entry: LedgerEntry) -> None:
    same_receipt = LedgerEntry.objects.filter(receipt_id=entry.receipt_id, kind=entry.kind)
    if entry.bank_reference and same_receipt.filter(bank_reference=entry.bank_reference).exists():
        raise StateConflict(
            _("银行流水号 %(ref)s 已在该回执登记过，不能重复登记。") % {"ref": entry.bank_reference}
        )
    recent = same_receipt.filter(
        amount=entry.amount,
        booked_on=entry.booked_on,
        bank_reference=entry.bank_reference,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    )
    if entry.statement_line_id is None and recent.exists():
        raise StateConflict(
            _("同一笔%(kind)s（%(amount)s 元，%(date)s）刚刚已登记过，未重复登记。")
            % {
                "kind": entry.get_kind_display(),
                "amount": entry.amount,
                "date": entry.booked_on.isoformat(),
            }
        )


def _entry_create(
    *,
    receipt: Receipt,
    by: User,
    kind: str,
    amount: Decimal,
    booked_on: datetime.date,
    payer_unit: str = "",
    bank_reference: str = "",
    note: str = "",
    statement_line: StatementLine | None = None,
) -> LedgerEntry:
    """Write one entry (inside the caller's transaction, the receipt locked)."""
    text = _text({"payer_unit": payer_unit, "bank_reference": bank_reference, "note": note})
    if not isinstance(booked_on, datetime.date) or isinstance(booked_on, datetime.datetime):
        raise ApplicationError(
            _("「到账日期」请输入日期。"), fields={"booked_on": [_("请输入日期。")]}
        )
    entry = LedgerEntry(
        receipt=receipt,
        kind=kind,
        amount=amount,
        booked_on=booked_on,
        statement_line=statement_line,
        created_by=by,
        **text,
    )
    validate_instance(entry)
    _check_duplicate(entry)
    entry.save()
    audit_record(
        actor=by,
        action=f"ledger.{kind}",
        target=receipt,
        details={"entry": entry.pk, "amount": str(entry.amount), "booked_on": str(booked_on)},
    )
    return entry


def _check_payable(receipt: Receipt) -> None:
    if receipt.status not in PAYABLE_STATUSES:
        raise StateConflict(
            _("回执当前为「%(status)s」，只有已通过或已编班的回执可以登记收款。")
            % {"status": receipt.get_status_display()}
        )


def _entries(receipt: Receipt):
    return LedgerEntry.objects.filter(receipt=receipt)


def _check_has_account(receipt: Receipt) -> None:
    """Refunds and adjustments: a receipt that takes payments, or has entries already."""
    if receipt.status not in PAYABLE_STATUSES and not _entries(receipt).exists():
        raise StateConflict(
            _("回执当前为「%(status)s」，尚无收付款记录，不能登记退款或调整。")
            % {"status": receipt.get_status_display()}
        )


def payment_record(
    *,
    receipt: Receipt,
    by: User,
    amount,
    booked_on: datetime.date,
    payer_unit: str,
    bank_reference: str,
    note: str = "",
    statement_line: StatementLine | None = None,
) -> LedgerEntry:
    """Record money received for a receipt (positive)."""
    _check_coordinator(by)
    value = money(amount)
    if value <= 0:
        raise ApplicationError(
            _("「金额」收款金额须大于零。"), fields={"amount": [_("收款金额须大于零。")]}
        )
    with transaction.atomic():
        locked = _locked_receipt(receipt)
        _check_payable(locked)
        return _entry_create(
            receipt=locked,
            by=by,
            kind=EntryKind.PAYMENT,
            amount=value,
            booked_on=booked_on,
            payer_unit=payer_unit,
            bank_reference=bank_reference,
            note=note,
            statement_line=statement_line,
        )


def refund_record(
    *,
    receipt: Receipt,
    by: User,
    amount,
    booked_on: datetime.date,
    payer_unit: str = "",
    bank_reference: str = "",
    note: str = "",
) -> LedgerEntry:
    """Record money paid back to the school: ``amount`` is the refund (positive), stored negative.
    No more can be refunded than the receipt has been paid."""
    _check_coordinator(by)
    value = money(amount)
    if value <= 0:
        raise ApplicationError(
            _("「金额」退款金额须大于零。"), fields={"amount": [_("退款金额须大于零。")]}
        )
    with transaction.atomic():
        locked = _locked_receipt(receipt)
        _check_has_account(locked)
        paid = sum((e.amount for e in _entries(locked)), Decimal("0.00"))
        if value > paid:
            raise StateConflict(
                _("退款金额 %(amount)s 元超过该回执已收的 %(paid)s 元。")
                % {"amount": value, "paid": paid}
            )
        return _entry_create(
            receipt=locked,
            by=by,
            kind=EntryKind.REFUND,
            amount=-value,
            booked_on=booked_on,
            payer_unit=payer_unit,
            bank_reference=bank_reference,
            note=note,
        )


def adjustment_record(
    *,
    receipt: Receipt,
    by: User,
    amount,
    booked_on: datetime.date,
    note: str,
    payer_unit: str = "",
    bank_reference: str = "",
) -> LedgerEntry:
    """Correct the account by a signed amount (a mistaken entry, a write-off), with its reason."""
    _check_coordinator(by)
    value = money(amount)
    if not (note or "").strip():
        raise ApplicationError(
            _("「备注」调整须写明原因。"), fields={"note": [_("调整须写明原因。")]}
        )
    if value == 0:
        raise ApplicationError(
            _("「金额」调整金额不能为零。"), fields={"amount": [_("调整金额不能为零。")]}
        )
    with transaction.atomic():
        locked = _locked_receipt(receipt)
        _check_has_account(locked)
        return _entry_create(
            receipt=locked,
            by=by,
            kind=EntryKind.ADJUSTMENT,
            amount=value,
            booked_on=booked_on,
            payer_unit=payer_unit,
            bank_reference=bank_reference,
            note=note,
        )
