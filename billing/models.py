"""Billing: what a school owes for a receipt (its quotes), what it has paid (a ledger of entries,
never edited), the bank statements those payments come from, and its invoices.

Money is ``Decimal`` in 元 with two places, end to end: no float anywhere. A quote is written when
a receipt is approved and again, as a new version, when its roster or a negotiated fee changes
after that; the old versions stay, so the difference is always shown, never an edited figure.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel
from portal.validators import (
    DateWithin,
    between,
    single_line_text,
    taxpayer_id_checksum,
    taxpayer_id_format,
)

MAX_AMOUNT = Decimal("9999999999.99")  # what the columns hold: ten billion 元 less a fen
MAX_FEE = Decimal("10000000.00")  # a negotiated fee, or a payment line, of one receipt


class QuoteReason(models.TextChoices):
    APPROVAL = "approval", _("回执审核通过")
    ROSTER = "roster", _("名单变更")
    NEGOTIATED = "negotiated", _("协商费用变更")


class Quote(models.Model):
    """The fee of a receipt as fixed at one moment (报价): version 1 at approval, a new version for
    every later change; never edited. The current quote is the one with the highest version."""

    receipt = models.ForeignKey(
        "enrollment.Receipt",
        verbose_name=_("参训回执"),
        on_delete=models.PROTECT,
        related_name="quotes",
        editable=False,
    )
    version = models.PositiveSmallIntegerField(_("版本"), editable=False)
    reason = models.CharField(_("原因"), max_length=16, choices=QuoteReason.choices, editable=False)
    total = models.DecimalField(_("合计（元）"), max_digits=12, decimal_places=2, editable=False)
    previous_total = models.DecimalField(
        _("上一版合计（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("报价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报价")
        verbose_name_plural = _("报价")
        ordering = ["receipt", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "version"],
                name="quote_unique_version",
                violation_error_message=_("该回执的这一版报价已经存在。"),
            ),
            models.CheckConstraint(
                name="quote_total_in_range",
                condition=Q(total__gte=0, total__lte=MAX_AMOUNT),
                violation_error_message=_("报价金额超出范围。"),
            ),
        ]

    def __str__(self):
        return f"{self.receipt_id} v{self.version}: {self.total}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.previous_total is None else self.total - self.previous_total


class QuoteLine(models.Model):
    """One program of a quote: unit price × quantity (people, or workshops of at most 50)."""

    quote = models.ForeignKey(
        Quote,
        verbose_name=_("报价"),
        on_delete=models.CASCADE,
        related_name="lines",
        editable=False,
    )
    program = models.ForeignKey(
        "courses.Program",
        verbose_name=_("培训班次"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    fee_rule = models.CharField(_("收费方式"), max_length=20, editable=False)
    people = models.PositiveIntegerField(_("人数"), editable=False)
    quantity = models.PositiveIntegerField(_("计费数量"), editable=False)
    unit_price = models.DecimalField(
        _("单价（元）"), max_digits=12, decimal_places=2, editable=False
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")
        ordering = ["quote", "id"]
        constraints = [
            models.CheckConstraint(
                name="quote_line_amount_is_price_times_quantity",
                condition=Q(amount=F("unit_price") * F("quantity")),
                violation_error_message=_("报价明细的金额须等于单价乘以数量。"),
            ),
        ]

    def __str__(self):
        return f"{self.program_id}: {self.unit_price} × {self.quantity} = {self.amount}"


class NegotiatedFee(TimeStampedModel):
    """The fee a coordinator negotiated for a custom (委托定制) program of a receipt, with a note."""

    line = models.OneToOneField(
        "enrollment.ReceiptLine",
        verbose_name=_("回执班次"),
        on_delete=models.CASCADE,
        related_name="negotiated_fee",
    )
    amount = models.DecimalField(
        _("协商金额（元）"),
        max_digits=12,
        decimal_places=2,
        validators=between(Decimal("0.01"), MAX_FEE),
    )
    note = models.CharField(_("协商说明"), max_length=200, validators=[single_line_text])
    entered_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("协商费用")
        verbose_name_plural = _("协商费用")
        constraints = [
            models.CheckConstraint(
                name="negotiated_fee_in_range",
                condition=Q(amount__gt=0, amount__lte=MAX_FEE),
                violation_error_message=_("协商金额须在 0.01 元至 1000 万元之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.line_id}: {self.amount}"


class EntryKind(models.TextChoices):
    PAYMENT = "payment", _("收款")
    REFUND = "refund", _("退款")
    ADJUSTMENT = "adjustment", _("调整")


class BankStatement(models.Model):
    """A bank statement file imported once (its SHA-256), and what came of it."""

    sha256 = models.CharField(_("文件摘要"), max_length=64, unique=True, editable=False)
    filename = models.CharField(_("文件名"), max_length=200, editable=False)
    imported_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("银行流水")
        verbose_name_plural = _("银行流水")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return self.filename


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("已按附言匹配入账")
    PROPOSED = "proposed", _("待确认")
    UNMATCHED = "unmatched", _("未匹配")
    CONFIRMED = "confirmed", _("已确认入账")
    IGNORED = "ignored", _("不属于培训费")


class StatementLine(models.Model):
    """One incoming transfer of a bank statement. ``line_key`` (a hash of its facts and its place
    among identical lines) is unique, so importing the same statement again adds nothing."""

    statement = models.ForeignKey(
        BankStatement,
        verbose_name=_("银行流水"),
        on_delete=models.PROTECT,
        related_name="lines",
        editable=False,
    )
    row_number = models.PositiveIntegerField(_("行号"), editable=False)
    line_key = models.CharField(_("流水摘要"), max_length=64, unique=True, editable=False)
    booked_on = models.DateField(_("交易日期"), editable=False)
    payer_name = models.CharField(_("付款人"), max_length=100, editable=False)
    payer_account = models.CharField(_("付款账号"), max_length=40, blank=True, editable=False)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, editable=False)
    remark = models.CharField(_("附言"), max_length=200, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=LineStatus.choices, editable=False)
    receipt = models.ForeignKey(
        "enrollment.Receipt",
        verbose_name=_("对应回执"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("已匹配或建议匹配的回执。"),
    )

    class Meta:
        verbose_name = _("流水明细")
        verbose_name_plural = _("流水明细")
        ordering = ["statement", "row_number"]
        constraints = [
            models.CheckConstraint(
                name="statement_line_amount_positive",
                condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT),
                violation_error_message=_("流水金额须为正数。"),
            ),
        ]

    def __str__(self):
        return f"{self.booked_on} {self.payer_name} {self.amount}"


class LedgerEntry(models.Model):
    """A payment, refund or adjustment of a receipt's account (台账). Entries are never edited or
    deleted: a mistake is corrected by another entry. Payments are positive, refunds negative,
    adjustments either; every entry says who made it."""

    receipt = models.ForeignKey(
        "enrollment.Receipt",
        verbose_name=_("参训回执"),
        on_delete=models.PROTECT,
        related_name="ledger",
        editable=False,
    )
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices, editable=False)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, editable=False)
    booked_on = models.DateField(
        _("到账日期"), validators=[DateWithin(days_before=1825, days_after=0)], editable=False
    )
    payer_unit = models.CharField(_("付款单位"), max_length=100, blank=True, editable=False)
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=200, blank=True, editable=False)
    statement_line = models.OneToOneField(
        StatementLine,
        verbose_name=_("银行流水明细"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry",
        editable=False,
    )
    created_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收付款记录")
        verbose_name_plural = _("收付款记录")
        ordering = ["receipt", "booked_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="ledger_entry_sign_matches_kind",
                condition=(
                    Q(kind=EntryKind.PAYMENT, amount__gt=0)
                    | Q(kind=EntryKind.REFUND, amount__lt=0)
                    | (Q(kind=EntryKind.ADJUSTMENT) & ~Q(amount=0))
                )
                & Q(amount__gte=-MAX_FEE, amount__lte=MAX_FEE),
                violation_error_message=_(
                    "收款金额须为正、退款为负、调整不为零，且不超过 1000 万元。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerEntryImmutable(_("收付款记录不能修改；如有差错，请另行登记退款或调整。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerEntryImmutable(_("收付款记录不能删除；如有差错，请另行登记退款或调整。"))


class LedgerEntryImmutable(Exception):
    """An entry of the ledger was about to be changed or deleted: never done."""


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", _("待开票")
    ISSUED = "issued", _("已开票")


class Invoice(TimeStampedModel):
    """An invoice (发票) for a receipt: requested with the title and taxpayer id of the receipt,
    issued by the finance office, whose number and date a coordinator records."""

    receipt = models.ForeignKey(
        "enrollment.Receipt",
        verbose_name=_("参训回执"),
        on_delete=models.PROTECT,
        related_name="invoices",
        editable=False,
    )
    title = models.CharField(_("发票抬头"), max_length=100, validators=[single_line_text])
    taxpayer_id = models.CharField(
        _("纳税人识别号（统一社会信用代码）"),
        max_length=18,
        validators=[taxpayer_id_format, taxpayer_id_checksum],
    )
    amount = models.DecimalField(
        _("开票金额（元）"),
        max_digits=12,
        decimal_places=2,
        validators=between(Decimal("0.01"), MAX_FEE),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.REQUESTED,
        editable=False,
    )
    number = models.CharField(
        _("发票号码"),
        max_length=20,
        blank=True,
        validators=[single_line_text],
        help_text=_("8 位或 20 位数字。"),
    )
    issued_on = models.DateField(
        _("开票日期"),
        null=True,
        blank=True,
        validators=[DateWithin(days_before=1825, days_after=0)],
    )
    recorded_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="invoice_amount_positive",
                condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT),
                violation_error_message=_("开票金额须为正数。"),
            ),
            models.CheckConstraint(
                name="invoice_issued_has_number_and_date",
                condition=Q(status=InvoiceStatus.REQUESTED)
                | (Q(status=InvoiceStatus.ISSUED, issued_on__isnull=False) & ~Q(number="")),
                violation_error_message=_("已开票的发票须有发票号码和开票日期。"),
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="invoice_number_unique",
                violation_error_message=_("该发票号码已经登记过。"),
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.amount}"
