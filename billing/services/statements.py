"""Importing the academy's bank statement and reconciling its lines with receipts.

All or nothing, like the roster: every problem of the file is listed at once and nothing is
written. A file is imported once (its SHA-256), and each line once (its key: the facts and its place
among identical lines), so importing the same statement twice, or one that overlaps it, adds
nothing. Then each new line is

- matched, when its remark holds a valid payment reference code of a receipt that takes payments:
  a payment entry is written for it at once;
- proposed, when its payer is the receipt's invoice title or school and its amount what the
  receipt still owes (or when the code names a receipt that already has a payment of that day and
  amount entered by hand): a coordinator confirms it (a payment entry) or ignores it;
- unmatched otherwise, listed for a coordinator to confirm against a receipt or ignore.
"""

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import (
    MAX_FEE,
    BankStatement,
    EntryKind,
    LedgerEntry,
    LineStatus,
    StatementLine,
)
from billing.selectors import PAYABLE_STATUSES, receipt_balances, receipt_pk_from_reference
from billing.services.ledger import (
    _check_coordinator,
    _check_payable,
    _entry_create,
    _locked_receipt,
)
from billing.statement_files import CleanLine, LineError, StatementFileError, read_statement
from enrollment.models import Receipt
from portal.errors import ApplicationError, StateConflict
from portal.models import User
from portal.services import audit_record

OPEN_LINE_STATUSES = (LineStatus.PROPOSED, LineStatus.UNMATCHED)


@dataclass
class StatementImportResult:
    errors: list[LineError] = field(default_factory=list)
    statement: BankStatement | None = None
    already_imported: bool = False  # this very file was imported before
    added: int = 0
    repeated: int = 0  # lines some earlier statement brought already
    skipped: int = 0  # outgoing transfers and totals rows
    matched: int = 0
    proposed: int = 0
    unmatched: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def normal_name(text: str) -> str:
    """A unit's name as compared: NFKC (full-width brackets and letters), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[:200] or "statement.xlsx"


def statement_import(*, data: bytes, filename: str, by: User) -> StatementImportResult:
    """Import a bank statement file; see the module's description. Returns what came of it, or
    the problems of its lines (nothing written)."""
    _check_coordinator(by)
    digest = hashlib.sha256(data).hexdigest()
    earlier = BankStatement.objects.filter(sha256=digest).first()
    if earlier is not None:
        return StatementImportResult(statement=earlier, already_imported=True)
    try:
        read = read_statement(data)
    except StatementFileError as error:
        raise ApplicationError(error.message, fields={"file": [error.message]}) from None
    if read.errors:
        return StatementImportResult(errors=read.errors, skipped=read.skipped)
    try:
        with transaction.atomic():
            return _write(read.lines, read.skipped, digest=digest, filename=filename, by=by)
    except IntegrityError:
        raise StateConflict(
            _("另一份流水正在同时导入，其中有相同的记录。请稍后重新导入本文件。")
        ) from None


def _write(
    lines: list[CleanLine], skipped: int, *, digest: str, filename: str, by: User
) -> StatementImportResult:
    keys = [line.line_key for line in lines]
    known = set(StatementLine.objects.filter(line_key__in=keys).values_list("line_key", flat=True))
    new = [line for line in lines if line.line_key not in known]
    result = StatementImportResult(repeated=len(lines) - len(new), skipped=skipped)
    if not new:
        return result
    plan = _plan(new)
    statement = BankStatement.objects.create(
        sha256=digest, filename=_filename(filename), imported_by=by
    )
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                statement=statement,
                row_number=line.row_number,
                line_key=line.line_key,
                booked_on=line.booked_on,
                payer_name=line.payer_name,
                payer_account=line.payer_account,
                amount=line.amount,
                remark=line.remark,
                status=status,
                receipt=receipt,
            )
            for line, (status, receipt) in zip(new, plan, strict=True)
        ]
    )
    rows = list(statement.lines.select_related("receipt").order_by("row_number"))
    for row in rows:
        if row.status == LineStatus.MATCHED and row.receipt is not None:
            _entry_create(
                receipt=row.receipt,
                by=by,
                kind=EntryKind.PAYMENT,
                amount=row.amount,
                booked_on=row.booked_on,
                payer_unit=row.payer_name,
                note=_("按汇款附言编码自动入账（%(file)s 第%(row)s行）")
                % {"file": statement.filename[:120], "row": row.row_number},
                statement_line=row,
            )
    counts = {status: sum(1 for s, _r in plan if s == status) for status in LineStatus.values}
    result.statement = statement
    result.added = len(rows)
    result.matched = counts[LineStatus.MATCHED]
    result.proposed = counts[LineStatus.PROPOSED]
    result.unmatched = counts[LineStatus.UNMATCHED]
    audit_record(
        actor=by,
        action="statement.import",
        target=statement,
        details={
            "lines": result.added,
            "repeated": result.repeated,
            "matched": result.matched,
            "proposed": result.proposed,
            "unmatched": result.unmatched,
        },
    )
    return result


def _plan(lines: list[CleanLine]) -> list[tuple[str, Receipt | None]]:
    """Each line's status and receipt, decided with a fixed number of queries (the receipts
    concerned are locked until the import commits)."""
    referenced = {line.line_key: receipt_pk_from_reference(line.remark) for line in lines}
    names = {line.payer_name for line in lines} | {normal_name(line.payer_name) for line in lines}
    candidates = Q(status__in=PAYABLE_STATUSES) & (
        Q(invoice_title__in=names) | Q(institution__name__in=names)
    )
    pks = {pk for pk in referenced.values() if pk is not None}
    receipts = {
        receipt.pk: receipt
        for receipt in Receipt.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(Q(pk__in=pks) | candidates)
        .order_by("pk")
    }
    balances = receipt_balances(list(receipts.values()))
    paid = {pk: balance.paid for pk, balance in balances.items()}
    by_hand = set(
        LedgerEntry.objects.filter(
            receipt_id__in=list(receipts),
            kind=EntryKind.PAYMENT,
            statement_line__isnull=True,
        ).values_list("receipt_id", "amount", "booked_on")
    )
    plan: list[tuple[str, Receipt | None] | None] = [None] * len(lines)
    # First the lines whose remark names a receipt that takes payments.
    for n, line in enumerate(lines):
        receipt = receipts.get(referenced[line.line_key] or 0)
        if receipt is None or receipt.status not in PAYABLE_STATUSES or line.amount > MAX_FEE:
            continue
        if (receipt.pk, line.amount, line.booked_on) in by_hand:
            plan[n] = (LineStatus.PROPOSED, receipt)  # entered by hand already? a person decides
            continue
        plan[n] = (LineStatus.MATCHED, receipt)
        paid[receipt.pk] += line.amount
    # Then proposals: the payer is the receipt's invoice title or school, the amount what it owes.
    by_name: dict[str, list[Receipt]] = {}
    for receipt in receipts.values():
        if receipt.status not in PAYABLE_STATUSES:
            continue
        for name in {normal_name(receipt.invoice_title), normal_name(receipt.institution.name)}:
            by_name.setdefault(name, []).append(receipt)
    proposed: set[int] = set()
    for n, line in enumerate(lines):
        if plan[n] is not None:
            continue
        plan[n] = (LineStatus.UNMATCHED, None)
        for receipt in by_name.get(normal_name(line.payer_name), []):
            balance = balances[receipt.pk]
            owed = balance.due - paid[receipt.pk]
            if balance.quoted and receipt.pk not in proposed and owed > 0 and owed == line.amount:
                plan[n] = (LineStatus.PROPOSED, receipt)
                proposed.add(receipt.pk)
                break
    return [entry for entry in plan if entry is not None]


def _locked_line(line: StatementLine) -> StatementLine:
    locked = StatementLine.objects.select_for_update().get(pk=line.pk)
    if locked.status not in OPEN_LINE_STATUSES:
        raise StateConflict(
            _("这笔流水已处理（%(status)s），不能再次处理。")
            % {"status": locked.get_status_display()}
        )
    return locked


def statement_line_confirm(
    *, line: StatementLine, by: User, receipt: Receipt | None = None
) -> LedgerEntry:
    """Book a proposed (or unmatched) line as a payment of ``receipt`` (by default the proposed
    one)."""
    _check_coordinator(by)
    with transaction.atomic():
        locked = _locked_line(line)
        target = receipt if receipt is not None else locked.receipt
        if target is None:
            raise ApplicationError(
                _("请填写这笔流水要入账的回执编号。"),
                fields={"receipt": [_("请填写回执编号。")]},
            )
        target = _locked_receipt(target)
        _check_payable(target)
        if locked.amount > MAX_FEE:
            raise ApplicationError(_("这笔流水的金额超过单张回执可登记的上限。"))
        entry = _entry_create(
            receipt=target,
            by=by,
            kind=EntryKind.PAYMENT,
            amount=locked.amount,
            booked_on=locked.booked_on,
            payer_unit=locked.payer_name,
            note=_("银行流水确认入账（%(file)s 第%(row)s行）")
            % {"file": locked.statement.filename[:120], "row": locked.row_number},
            statement_line=locked,
        )
        locked.status = LineStatus.CONFIRMED
        locked.receipt = target
        locked.save(update_fields=["status", "receipt"])
    return entry


def statement_line_ignore(*, line: StatementLine, by: User) -> StatementLine:
    """Mark a proposed or unmatched line as not a training fee (nothing is booked)."""
    _check_coordinator(by)
    with transaction.atomic():
        locked = _locked_line(line)
        locked.status = LineStatus.IGNORED
        locked.save(update_fields=["status"])
        audit_record(actor=by, action="statement.line_ignore", target=locked)
    return locked


def receipt_pk_from_text(text: str) -> int | None:
    """The receipt a coordinator names: its number (42, #42) or its payment reference code."""
    value = unicodedata.normalize("NFKC", text or "").strip().lstrip("#").strip()
    if value.isascii() and value.isdigit() and len(value) <= 19:
        pk = int(value)
        return pk if 0 < pk < 2**63 else None
    return receipt_pk_from_reference(value)


__all__ = [
    "StatementImportResult",
    "normal_name",
    "receipt_pk_from_text",
    "statement_import",
    "statement_line_confirm",
    "statement_line_ignore",
]
