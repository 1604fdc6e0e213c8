"""Receipts that owe money, and bank statements built in code, for the ledger tests."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from billing.models import Quote, QuoteReason
from enrollment.models import Receipt, ReceiptStatus, ReceiptTransition
from enrollment.services import receipt_approve
from tests.receipts import submitted_receipt

HEADERS = ["交易日期", "对方户名", "对方账号", "借方发生额", "贷方发生额", "摘要", "附言"]


def owing(receipt: Receipt, by, total: str) -> Receipt:
    """``receipt`` approved (if it is not yet) with a new current quote of ``total`` 元."""
    if receipt.status == ReceiptStatus.SUBMITTED:
        receipt = receipt_approve(receipt=receipt, by=by)
    latest = Quote.objects.filter(receipt=receipt).order_by("-version").first()
    Quote.objects.create(
        receipt=receipt,
        version=latest.version + 1 if latest else 1,
        reason=QuoteReason.NEGOTIATED if latest else QuoteReason.APPROVAL,
        total=Decimal(total),
        previous_total=latest.total if latest else None,
        created_by=by,
    )
    return receipt


def another_owing(institution, staff, coordinator, total: str, *, serial_base: int) -> Receipt:
    receipt = submitted_receipt(institution, staff, people=1, serial_base=serial_base)
    return owing(receipt, coordinator, total)


def approved_days_ago(receipt: Receipt, days: int) -> None:
    at = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=days)
    ReceiptTransition.objects.filter(receipt=receipt, to_status="approved").update(at=at)


def statement_xlsx(lines: list[list[object]], *, title: str = "账户明细查询") -> bytes:
    """A statement as a bank exports it: title lines above the header, then ``lines`` (each in
    HEADERS order), then a totals row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([title])
    sheet.append(["账号：0200053009008801215", None, "户名：国家教育行政学院"])
    sheet.append([])
    sheet.append(HEADERS)
    for line in lines:
        sheet.append(line)
    total = sum(Decimal(x[4]) for x in lines if isinstance(x[4], Decimal | int))
    sheet.append(["合计", None, None, None, total])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def line(
    amount,
    *,
    payer="北京测试大学",
    remark="",
    day=None,
    account="6222020200001234567",
    summary="汇入",
) -> list[object]:
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    return [day, payer, account, None, amount, summary, remark]
