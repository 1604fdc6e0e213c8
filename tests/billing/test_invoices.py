"""Invoices (发票): requested with the receipt's title and taxpayer id for no more than the current
quote leaves uninvoiced; recorded (number, date) by the academy; seen by the school."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing.models import Invoice, InvoiceStatus
from billing.services.invoices import invoice_record, invoice_remaining, invoice_request
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.billing.invoicing import add_quote, approved, quoted_receipt

TODAY = timezone.localdate


# ---- requesting ----


def test_a_request_takes_the_receipts_title_taxpayer_id_and_the_whole_quote(world):
    receipt = quoted_receipt(world)

    invoice = invoice_request(receipt=receipt, by=world.users["staff_a"])

    assert invoice.title == receipt.invoice_title == world.school_a.name
    assert invoice.taxpayer_id == receipt.taxpayer_id
    assert invoice.amount == Decimal("196000.00")
    assert invoice.status == InvoiceStatus.REQUESTED
    assert invoice.number == ""
    assert invoice.issued_on is None
    assert AuditEvent.objects.filter(action="invoice.request", object_id=str(invoice.pk)).exists()


def test_the_default_amount_is_what_earlier_invoices_leave(world):
    receipt = quoted_receipt(world)
    invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("100000.50"))

    second = invoice_request(receipt=receipt, by=world.users["coord_ug"])

    assert second.amount == Decimal("95999.50")
    assert invoice_remaining(receipt) == Decimal("0.00")


def test_a_requote_upwards_leaves_the_difference_to_invoice(world):
    receipt = quoted_receipt(world)
    invoice_request(receipt=receipt, by=world.users["staff_a"])
    add_quote(receipt, world.users["coord_ug"], [("party-affairs-staff", 981, 981, "200.00")])

    invoice = invoice_request(receipt=receipt, by=world.users["staff_a"])

    assert invoice.amount == Decimal("200.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), "0.00"])
def test_zero_or_negative_is_refused(world, amount):
    receipt = quoted_receipt(world)

    with pytest.raises(ApplicationError, match="须大于 0"):
        invoice_request(receipt=receipt, by=world.users["staff_a"], amount=amount)
    assert not Invoice.objects.exists()


def test_more_than_is_payable_is_refused(world):
    receipt = quoted_receipt(world)
    invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("196000.00"))

    with pytest.raises(StateConflict, match="已全部申请开票"):
        invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("0.01"))
    assert Invoice.objects.count() == 1


def test_more_than_the_remainder_is_refused(world):
    receipt = quoted_receipt(world)

    with pytest.raises(ApplicationError, match="196,000.00"):
        invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("196000.01"))


@pytest.mark.parametrize("amount", ["0.001", "abc", " ", 12.5, "NaN", "Infinity"])
def test_malformed_amounts_are_refused(world, amount):
    receipt = quoted_receipt(world)

    with pytest.raises(ApplicationError):
        invoice_request(receipt=receipt, by=world.users["staff_a"], amount=amount)


def test_a_receipt_without_a_quote_cannot_be_invoiced(world):
    receipt = approved(world.receipt_a, world.users["coord_ug"])
    receipt.quotes.all().delete()

    with pytest.raises(StateConflict, match="尚无报价"):
        invoice_request(receipt=receipt, by=world.users["staff_a"])


def test_a_submitted_receipt_cannot_be_invoiced(world):
    with pytest.raises(StateConflict):
        invoice_request(receipt=world.receipt_a, by=world.users["staff_a"])


@pytest.mark.parametrize("role", ["staff_b", "prov_bj", "learner_a", "coord_voc", "anonymous"])
def test_only_the_schools_staff_or_the_academy_request(world, role):
    receipt = quoted_receipt(world)

    with pytest.raises(PermissionRefused):
        invoice_request(receipt=receipt, by=world.users[role])


# ---- recording ----


@pytest.fixture
def requested(world):
    return invoice_request(receipt=quoted_receipt(world), by=world.users["staff_a"])


@pytest.mark.parametrize(
    "number", ["12345678", "26112000000012345678", "１２３４５６７８", "1234 5678"]
)
def test_the_academy_records_an_8_or_20_digit_number(world, requested, number):
    invoice = invoice_record(
        invoice=requested, by=world.users["coord_ug"], number=number, issued_on=TODAY()
    )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number.isascii()
    assert len(invoice.number) in (8, 20)
    assert invoice.issued_on == TODAY()
    assert invoice.recorded_by == world.users["coord_ug"]
    assert AuditEvent.objects.filter(action="invoice.record", object_id=str(invoice.pk)).exists()


@pytest.mark.parametrize("number", ["", "1234567", "123456789", "1234567890123456789", "ABCDEFGH"])
def test_other_numbers_are_refused(world, requested, number):
    with pytest.raises(ApplicationError, match="8 位或 20 位"):
        invoice_record(
            invoice=requested, by=world.users["coord_ug"], number=number, issued_on=TODAY()
        )
    requested.refresh_from_db()
    assert requested.status == InvoiceStatus.REQUESTED


def test_a_date_in_the_future_is_refused(world, requested):
    with pytest.raises(ApplicationError, match="不能晚于今天"):
        invoice_record(
            invoice=requested,
            by=world.users["coord_ug"],
            number="12345678",
            issued_on=TODAY() + datetime.timedelta(days=1),
        )


def test_a_date_long_ago_is_refused(world, requested):
    with pytest.raises(ApplicationError):
        invoice_record(
            invoice=requested,
            by=world.users["coord_ug"],
            number="12345678",
            issued_on=datetime.date(2000, 1, 1),
        )


def test_a_number_is_used_once(world):
    receipt = quoted_receipt(world)
    coordinator = world.users["coord_ug"]
    first = invoice_request(receipt=receipt, by=coordinator, amount=Decimal("1.00"))
    second = invoice_request(receipt=receipt, by=coordinator, amount=Decimal("1.00"))
    invoice_record(invoice=first, by=coordinator, number="12345678", issued_on=TODAY())

    with pytest.raises(StateConflict, match="已登记在另一张发票上"):
        invoice_record(invoice=second, by=coordinator, number="1234 5678", issued_on=TODAY())
    second.refresh_from_db()
    assert second.status == InvoiceStatus.REQUESTED


def test_recording_again_corrects_the_number(world, requested):
    coordinator = world.users["coord_ug"]
    invoice_record(invoice=requested, by=coordinator, number="12345678", issued_on=TODAY())

    invoice_record(invoice=requested, by=coordinator, number="87654321", issued_on=TODAY())

    requested.refresh_from_db()
    assert requested.number == "87654321"


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "staff_b", "learner_a", "coord_voc"])
def test_only_the_academy_records(world, requested, role):
    with pytest.raises(PermissionRefused):
        invoice_record(
            invoice=requested, by=world.users[role], number="12345678", issued_on=TODAY()
        )


# ---- pages ----


def test_the_school_requests_from_its_receipt_page_and_sees_the_number(world, client_for):
    receipt = quoted_receipt(world)
    school = client_for(world.users["staff_a"])
    detail = reverse("enrollment:receipt-detail", args=[receipt.pk])

    posted = school.post(reverse("billing:invoice-request", args=[receipt.pk]), {"amount": ""})

    assert posted.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.amount == Decimal("196000.00")
    page = school.get(detail).content.decode()
    assert "待开票" in page
    assert "196000.00" in page
    # once the academy records it, the school sees the number and date
    invoice_record(
        invoice=invoice,
        by=world.users["coord_ug"],
        number="26112000000012345678",
        issued_on=TODAY(),
    )
    page = school.get(detail).content.decode()
    assert "已开票" in page
    assert "26112000000012345678" in page


def test_a_refused_request_is_said_on_the_page(world, client_for):
    receipt = quoted_receipt(world)
    school = client_for(world.users["staff_a"])

    response = school.post(
        reverse("billing:invoice-request", args=[receipt.pk]), {"amount": "999999"}, follow=True
    )

    assert "不能超过尚未开票的应缴金额" in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("staff_b", 404), ("learner_a", 404), ("prov_bj", 403)]
)
def test_others_cannot_request(world, client_for, role, status):
    receipt = quoted_receipt(world)

    response = client_for(world.users[role]).post(
        reverse("billing:invoice-request", args=[receipt.pk]), {"amount": "1"}
    )

    assert response.status_code == status
    assert not Invoice.objects.exists()


def test_a_province_sees_the_invoices_but_no_request_form(world, client_for):
    receipt = quoted_receipt(world)
    invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("1.00"))

    page = client_for(world.users["prov_bj"]).get(
        reverse("enrollment:receipt-detail", args=[receipt.pk])
    )

    html = page.content.decode()
    assert "待开票" in html
    assert reverse("billing:invoice-request", args=[receipt.pk]) not in html


def test_the_coordinator_lists_filters_and_records(world, client_for):
    receipt = quoted_receipt(world)
    invoice = invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("10.00"))
    coordinator = client_for(world.users["coord_ug"])

    listed = coordinator.get(reverse("billing:invoice-list"), {"status": "requested", "q": "北京"})
    issued_only = coordinator.get(reverse("billing:invoice-list"), {"status": "issued"})
    other_province = coordinator.get(
        reverse("billing:invoice-list"), {"province": world.jiangsu.pk}
    )
    recorded = coordinator.post(
        reverse("billing:invoice-record", args=[invoice.pk]),
        {"number": "12345678", "issued_on": TODAY().isoformat()},
    )

    assert world.school_a.name in listed.content.decode()
    assert world.school_a.name not in issued_only.content.decode()
    assert world.school_a.name not in other_province.content.decode()
    assert recorded.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (InvoiceStatus.ISSUED, "12345678")


def test_the_record_form_shows_refusals(world, client_for):
    receipt = quoted_receipt(world)
    first = invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("10.00"))
    second = invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("10.00"))
    invoice_record(invoice=first, by=world.users["coord_ug"], number="12345678", issued_on=TODAY())
    coordinator = client_for(world.users["coord_ug"])
    url = reverse("billing:invoice-record", args=[second.pk])

    reused = coordinator.post(url, {"number": "12345678", "issued_on": TODAY().isoformat()})
    future = coordinator.post(
        url, {"number": "87654321", "issued_on": (TODAY() + datetime.timedelta(days=3)).isoformat()}
    )
    short = coordinator.post(url, {"number": "1234", "issued_on": TODAY().isoformat()})

    assert "已登记在另一张发票上" in reused.content.decode()
    assert "不能晚于今天" in future.content.decode()
    assert "8 位或 20 位数字" in short.content.decode()
    second.refresh_from_db()
    assert second.status == InvoiceStatus.REQUESTED


def test_another_desk_does_not_see_the_invoice(world, client_for):
    invoice = invoice_request(receipt=quoted_receipt(world), by=world.users["staff_a"])
    other = client_for(world.users["coord_voc"])

    listed = other.get(reverse("billing:invoice-list"))
    record = other.get(reverse("billing:invoice-record", args=[invoice.pk]))

    assert world.school_a.name not in listed.content.decode()
    assert record.status_code == 404


def test_the_export_for_the_finance_office(world, client_for):
    receipt = quoted_receipt(world)
    invoice_request(receipt=receipt, by=world.users["staff_a"], amount=Decimal("100000.50"))

    response = client_for(world.users["coord_ug"]).get(reverse("billing:invoice-export"))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "发票抬头",
        "纳税人识别号",
        "开票金额（元）",
        "回执编号",
        "参训单位",
        "省份",
    )
    title, taxpayer_id, amount, receipt_pk, school, province, requested_on = rows[1][:7]
    assert (title, taxpayer_id) == (receipt.invoice_title, receipt.taxpayer_id)
    assert Decimal(str(amount)) == Decimal("100000.50")
    assert (receipt_pk, school, province) == (receipt.pk, world.school_a.name, "北京市")
    assert requested_on.date() == TODAY()


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_schools_provinces_and_learners_have_no_invoice_list(world, client_for, role):
    client = client_for(world.users[role])

    assert client.get(reverse("billing:invoice-list")).status_code == 403
    assert client.get(reverse("billing:invoice-export")).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"q": "%'\u202e=1"},
        {"from": "0000-01-01", "to": "9999-99-99"},
        {"province": "99999999999999999999999", "status": "\x00", "page": "-1"},
    ],
)
def test_the_list_and_export_never_fail_on_any_query(world, client_for, query):
    invoice_request(receipt=quoted_receipt(world), by=world.users["staff_a"])
    coordinator = client_for(world.users["coord_ug"])

    assert coordinator.get(reverse("billing:invoice-list"), query).status_code == 200
    assert coordinator.get(reverse("billing:invoice-export"), query).status_code == 200


def test_a_huge_invoice_number_in_the_address_is_not_found(world, client_for):
    response = client_for(world.users["coord_ug"]).get(
        reverse("billing:invoice-record", args=[2**64])
    )

    assert response.status_code == 404
