"""The ledger: payments, refunds and adjustments recorded by academy coordinators only, never
edited; a receipt's balance in each state; receivables per desk and province, the overdue list
and its export. Learners see no money anywhere."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing.models import EntryKind, LedgerEntry, LedgerEntryImmutable
from billing.selectors import (
    BalanceState,
    receipt_balance,
    receipt_balances,
    receivables,
)
from billing.services.ledger import adjustment_record, payment_record, refund_record
from enrollment.models import Receipt
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from tests.billing.ledgers import another_owing, approved_days_ago, owing

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


@pytest.fixture
def receipt(world, coordinator):
    """school_a's receipt, approved, owing 1,000.00 元."""
    return owing(world.receipt_a, coordinator, "1000.00")


def pay(receipt, by, amount, **extra):
    values = {
        "booked_on": YESTERDAY,
        "payer_unit": "北京测试大学",
        "bank_reference": "",
        **extra,
    }
    return payment_record(receipt=receipt, by=by, amount=Decimal(amount), **values)


# ---- balances ----


def test_a_receipt_without_payments_is_unpaid(receipt):
    balance = receipt_balance(receipt)

    assert (balance.due, balance.paid, balance.outstanding) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    )
    assert balance.state == BalanceState.UNPAID
    assert balance.label == "未付款"


def test_balance_goes_through_every_state_to_the_fen(receipt, coordinator):
    pay(receipt, coordinator, "399.99", bank_reference="B1")
    partly = receipt_balance(receipt)
    assert (partly.state, partly.label, partly.outstanding) == (
        BalanceState.PARTLY_PAID,
        "部分付款",
        Decimal("600.01"),
    )

    pay(receipt, coordinator, "600.01", bank_reference="B2")
    paid = receipt_balance(receipt)
    assert (paid.state, paid.label, paid.outstanding) == (BalanceState.PAID, "已付清", 0)

    pay(receipt, coordinator, "0.01", bank_reference="B3")
    over = receipt_balance(receipt)
    assert (over.state, over.label, over.flagged, over.overpaid_by) == (
        BalanceState.OVERPAID,
        "多付",
        True,
        Decimal("0.01"),
    )

    refund_record(receipt=receipt, by=coordinator, amount=Decimal("0.01"), booked_on=YESTERDAY)
    assert receipt_balance(receipt).state == BalanceState.PAID
    amounts = list(LedgerEntry.objects.filter(receipt=receipt).values_list("kind", "amount"))
    assert (EntryKind.REFUND, Decimal("-0.01")) in amounts


def test_the_current_quote_is_what_is_due(receipt, coordinator):
    pay(receipt, coordinator, "1000.00")
    owing(receipt, coordinator, "1280.00")  # the roster grew after approval: a new version

    balance = receipt_balance(receipt)

    assert (balance.due, balance.state, balance.outstanding) == (
        Decimal("1280.00"),
        BalanceState.PARTLY_PAID,
        Decimal("280.00"),
    )


def test_an_adjustment_corrects_the_account_with_its_reason(receipt, coordinator):
    pay(receipt, coordinator, "1000.00")

    entry = adjustment_record(
        receipt=receipt,
        by=coordinator,
        amount=Decimal("-200.00"),
        booked_on=YESTERDAY,
        note="重复登记冲回",
    )

    assert entry.created_by == coordinator
    assert receipt_balance(receipt).outstanding == Decimal("200.00")


def test_balances_of_many_receipts_take_one_query(
    world, receipt, coordinator, django_assert_num_queries
):
    others = [
        another_owing(
            world.school_a, world.users["staff_a"], coordinator, "500.00", serial_base=n * 10
        )
        for n in (30, 40, 50)
    ]
    pay(receipt, coordinator, "1000.00")
    pay(others[0], coordinator, "100.00")

    with django_assert_num_queries(1):
        balances = receipt_balances(
            Receipt.objects.filter(pk__in=[receipt.pk, *[r.pk for r in others]])
        )

    assert balances[receipt.pk].state == BalanceState.PAID
    assert balances[others[0].pk].state == BalanceState.PARTLY_PAID
    assert balances[others[1].pk].state == BalanceState.UNPAID


# ---- refusals ----


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_only_academy_coordinators_record_payments(world, receipt, role):
    with pytest.raises(PermissionRefused, match="只有学院项目负责人"):
        pay(receipt, world.users[role], "100.00")

    assert not LedgerEntry.objects.exists()


def test_a_receipt_not_yet_approved_takes_no_payment(world, coordinator):
    with pytest.raises(StateConflict, match="只有已通过或已编班的回执可以登记收款"):
        pay(world.receipt_a, coordinator, "100.00")


def test_a_double_submission_is_refused_not_recorded_twice(receipt, coordinator):
    pay(receipt, coordinator, "500.00")

    with pytest.raises(StateConflict, match="刚刚已登记过"):
        pay(receipt, coordinator, "500.00")

    assert LedgerEntry.objects.count() == 1


def test_one_bank_reference_is_booked_once_per_receipt(receipt, coordinator):
    pay(receipt, coordinator, "500.00", bank_reference="ICBC20260301001")

    with pytest.raises(StateConflict, match="ICBC20260301001 已在该回执登记过"):
        pay(
            receipt,
            coordinator,
            "300.00",
            bank_reference="ICBC20260301001",
            booked_on=YESTERDAY - datetime.timedelta(days=2),
        )

    assert LedgerEntry.objects.count() == 1


def test_entries_are_never_edited_or_deleted(receipt, coordinator):
    entry = pay(receipt, coordinator, "500.00")
    entry.amount = Decimal("5.00")

    with pytest.raises(LedgerEntryImmutable):
        entry.save()
    with pytest.raises(LedgerEntryImmutable):
        entry.delete()

    assert LedgerEntry.objects.get().amount == Decimal("500.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": 100.5}, "金额须为精确的十进制数"),
        ({"amount": Decimal("100.001")}, "最多保留两位小数"),
        ({"amount": Decimal("-5")}, "收款金额须大于零"),
        ({"amount": Decimal("10000000.01")}, "不超过 1000 万元"),
        ({"booked_on": timezone.localdate() + datetime.timedelta(days=1)}, "「到账日期」"),
        ({"payer_unit": "北京\x07大学"}, "「付款单位」不能包含控制字符"),
        ({"bank_reference": "1" * 65}, "「银行流水号」"),
    ],
)
def test_the_models_rules_refuse_with_a_sentence(receipt, coordinator, changes, message):
    values = {
        "amount": Decimal("100.00"),
        "booked_on": YESTERDAY,
        "payer_unit": "北京测试大学",
        "bank_reference": "",
        **changes,
    }

    with pytest.raises(ApplicationError, match=message):
        payment_record(receipt=receipt, by=coordinator, **values)

    assert not LedgerEntry.objects.exists()


def test_an_adjustment_needs_a_reason(receipt, coordinator):
    with pytest.raises(ApplicationError, match="调整须写明原因"):
        adjustment_record(
            receipt=receipt, by=coordinator, amount=Decimal("10"), booked_on=YESTERDAY, note=" "
        )


def test_no_more_is_refunded_than_was_paid(receipt, coordinator):
    pay(receipt, coordinator, "100.00")

    with pytest.raises(StateConflict, match="超过该回执已收的 100.00 元"):
        refund_record(
            receipt=receipt, by=coordinator, amount=Decimal("100.01"), booked_on=YESTERDAY
        )


# ---- pages ----


def entry_form(**changes):
    return {
        "kind": "payment",
        "amount": "250.00",
        "booked_on": YESTERDAY.isoformat(),
        "payer_unit": "北京测试大学",
        "bank_reference": "ICBC-1",
        "note": "",
        **changes,
    }


def test_a_coordinator_records_a_payment_on_the_receipt_page(world, receipt, client_for):
    client = client_for(world.users["coord_ug"])

    response = client.post(reverse("billing:entry-add", args=[receipt.pk]), entry_form())

    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.created_by) == (Decimal("250.00"), world.users["coord_ug"])
    page = client.get(reverse("enrollment:receipt-detail", args=[receipt.pk])).content.decode()
    assert "部分付款" in page
    assert "ICBC-1" in page


def test_the_form_shows_a_refusal_instead_of_failing(world, receipt, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("billing:entry-add", args=[receipt.pk])
    client.post(url, entry_form())

    response = client.post(url, entry_form(amount="10.00"))  # same bank reference again

    assert response.status_code == 400
    assert "ICBC-1 已在该回执登记过" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"), [("staff_a", 403), ("prov_bj", 403), ("learner_a", 404), ("coord_voc", 404)]
)
def test_nobody_else_records_a_payment(world, receipt, client_for, role, status):
    response = client_for(world.users[role]).post(
        reverse("billing:entry-add", args=[receipt.pk]), entry_form()
    )

    assert response.status_code == status
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "coord_ug"])
def test_the_school_its_province_and_the_desk_see_the_balance(world, receipt, client_for, role):
    pay(receipt, world.users["coord_ug"], "1000.00", bank_reference="B-9")

    page = client_for(world.users[role]).get(
        reverse("enrollment:receipt-detail", args=[receipt.pk])
    )

    text = page.content.decode()
    assert 'data-balance-state="paid"' in text
    assert "已付清" in text
    assert "B-9" in text
    assert ("登记收付款" in text) == (role == "coord_ug")  # the school reads; it records nothing


@pytest.mark.parametrize(
    "route",
    [
        "billing:receivables",
        "billing:receivables-export",
        "billing:statement-import",
        "billing:statement-lines",
    ],
)
def test_a_learner_sees_no_money(world, receipt, client_for, route):
    pay(receipt, world.users["coord_ug"], "1000.00")

    response = client_for(world.users["learner_a"]).get(reverse(route))

    assert response.status_code == 403


# ---- receivables ----


def test_receivables_per_desk_and_province_with_the_overdue_list(world, receipt, coordinator):
    late = another_owing(
        world.school_a, world.users["staff_a"], coordinator, "2000.00", serial_base=300
    )
    approved_days_ago(late, 45)
    approved_days_ago(receipt, 10)
    pay(receipt, coordinator, "400.00")
    pay(late, coordinator, "500.00")
    vocational = another_owing(
        world.school_b, world.users["staff_b"], world.users["coord_voc"], "700.00", serial_base=400
    )
    approved_days_ago(vocational, 90)

    report = receivables(Receipt.objects.all())

    assert [
        (row.label, row.due, row.paid, row.outstanding, row.overdue) for row in report.by_desk
    ] == [
        ("本科院校", Decimal("3000.00"), Decimal("900.00"), Decimal("2100.00"), Decimal("1500.00")),
        ("高职院校", Decimal("700.00"), Decimal("0.00"), Decimal("700.00"), Decimal("700.00")),
    ]
    assert [(row.label, row.outstanding) for row in report.by_province] == [
        ("北京市", Decimal("2100.00")),
        ("江苏省", Decimal("700.00")),
    ]
    assert report.total.outstanding == Decimal("2800.00")
    assert [(item.receipt.pk, item.overdue_days) for item in report.overdue] == [
        (vocational.pk, 60),
        (late.pk, 15),
    ]


def test_the_payment_term_is_a_setting(world, receipt, coordinator):
    approved_days_ago(receipt, 10)

    with override_settings(BILLING_PAYMENT_DAYS=7):
        report = receivables(Receipt.objects.all())

    assert [item.overdue_days for item in report.overdue] == [3]


def test_a_desk_sees_its_own_receivables_and_exports_them_with_decimal_cells(
    world, receipt, client_for
):
    coordinator = world.users["coord_ug"]
    pay(receipt, coordinator, "400.50")
    approved_days_ago(receipt, 31)
    another_owing(
        world.school_b, world.users["staff_b"], world.users["coord_voc"], "700.00", serial_base=400
    )
    client = client_for(coordinator)

    page = client.get(reverse("billing:receivables")).content.decode()
    export = client.get(reverse("billing:receivables-export"))

    assert "本科院校" in page
    assert "江苏省" not in page  # the other desk's school
    assert f"#{receipt.pk}" in page  # overdue by a day
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    due, paid, outstanding = (sheet.cell(2, column) for column in (7, 8, 9))
    assert all(cell.data_type == "n" for cell in (due, paid, outstanding))
    assert (due.value, paid.value, outstanding.value) == (1000, 400.5, 599.5)
    assert rows[0][11] == 1
