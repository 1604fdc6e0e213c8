"""The payment notice (缴费通知单): the amount in figures and in capitals, the academy's account and
the reference code, for the school, its province and the academy only."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.selectors import payment_reference, receipt_pk_from_reference
from billing.services.notices import amount_in_capitals, notice_pdf
from portal.errors import PermissionRefused, StateConflict
from tests.billing.invoicing import add_quote, approved, quoted_receipt
from tests.conftest import require_tool


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def flat(text: str) -> str:
    return "".join(text.split())


# ---- capitals ----


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("196000", "壹拾玖万陆仟元整"),
        ("196000.00", "壹拾玖万陆仟元整"),
        ("196000.50", "壹拾玖万陆仟元伍角整"),
        ("196000.05", "壹拾玖万陆仟元零伍分"),
        ("196000.55", "壹拾玖万陆仟元伍角伍分"),
        ("98000", "玖万捌仟元整"),
        ("200", "贰佰元整"),
        ("280", "贰佰捌拾元整"),
        ("10", "壹拾元整"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("100200300.07", "壹亿零贰拾万零叁佰元零柒分"),
        ("9999999999.99", "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_capitals_follows_the_financial_convention(amount, capitals):
    assert amount_in_capitals(Decimal(amount)) == capitals


@pytest.mark.parametrize("amount", ["-1", "10000000000.00", "NaN", "Infinity"])
def test_amount_in_capitals_refuses_what_no_quote_holds(amount):
    with pytest.raises(ValueError, match="amount"):
        amount_in_capitals(Decimal(amount))


def test_amount_in_capitals_takes_no_float():
    with pytest.raises(ValueError, match="Decimal"):
        amount_in_capitals(196000.5)  # type: ignore[arg-type]


# ---- the PDF ----


def test_the_notice_shows_amount_capitals_account_and_reference(world, tmp_path):
    receipt = quoted_receipt(world)

    text = pdf_text(notice_pdf(receipt=receipt, by=world.users["staff_a"]), tmp_path)

    words = flat(text)
    assert "缴费通知单" in words
    assert "196,000.00" in words
    assert "壹拾玖万陆仟元整" in words
    assert "0200053009008801215" in words
    assert "102100005307" in words
    assert "国家教育行政学院" in words
    assert "工行北京体育场支行" in words
    assert "由参训单位统一支付，不向个人收取费用" in words
    assert world.school_a.name in words
    assert payment_reference(receipt) in words
    # what a bank would make of the remark copied from the PDF names the receipt again
    assert receipt_pk_from_reference(text) == receipt.pk


def test_the_notice_lists_every_line_of_the_current_quote_with_fen(world, tmp_path):
    receipt = approved(world.receipt_a, world.users["coord_ug"])
    by = world.users["coord_ug"]
    add_quote(receipt, by, [("party-affairs-staff", 3, 3, "200.00")])  # superseded
    quote = add_quote(
        receipt,
        by,
        [
            ("party-affairs-staff", 980, 980, "200.00"),
            ("double-creation-workshop", 51, 2, "98000.00"),
            ("custom-training", 30, 1, "0.50"),
        ],
    )

    words = flat(pdf_text(notice_pdf(receipt=receipt, by=by), tmp_path))

    # 196,000 + 196,000 + 0.50
    assert "392,000.50" in words
    assert "叁拾玖万贰仟元伍角整" in words
    assert "196,000.00" in words
    assert "98,000.00" in words
    assert f"第{quote.version}版报价" in words
    assert "600.00" not in words  # the old version's amount is not on the notice


def test_a_receipt_without_a_quote_gets_a_sentence(world):
    receipt = approved(world.receipt_a, world.users["coord_ug"])
    receipt.quotes.all().delete()

    with pytest.raises(StateConflict, match="尚无报价"):
        notice_pdf(receipt=receipt, by=world.users["staff_a"])


def test_a_submitted_receipt_has_no_notice(world):
    with pytest.raises(StateConflict):
        notice_pdf(receipt=world.receipt_a, by=world.users["staff_a"])


@pytest.mark.parametrize("role", ["staff_b", "learner_a", "coord_voc", "anonymous"])
def test_others_may_not_have_the_notice(world, role):
    receipt = quoted_receipt(world)

    with pytest.raises(PermissionRefused):
        notice_pdf(receipt=receipt, by=world.users[role])


# ---- the page ----


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "coord_ug", "admin"])
def test_the_school_its_province_and_the_academy_download_it(world, client_for, role):
    receipt = quoted_receipt(world)

    response = client_for(world.users[role]).get(reverse("billing:notice-pdf", args=[receipt.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"payment-notice-{receipt.pk}.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("role", ["staff_b", "learner_a", "coord_voc"])
def test_others_are_not_shown_the_notice(world, client_for, role):
    receipt = quoted_receipt(world)

    response = client_for(world.users[role]).get(reverse("billing:notice-pdf", args=[receipt.pk]))

    assert response.status_code == 404


def test_without_a_quote_the_page_says_so_instead_of_failing(world, client_for):
    receipt = approved(world.receipt_a, world.users["coord_ug"])
    receipt.quotes.all().delete()
    client = client_for(world.users["staff_a"])

    response = client.get(reverse("billing:notice-pdf", args=[receipt.pk]), follow=True)

    assert response.status_code == 200
    assert "尚无报价，暂不能生成缴费通知单" in response.content.decode()


def test_a_huge_receipt_number_is_not_found(world, client_for):
    client = client_for(world.users["staff_a"])

    response = client.get(reverse("billing:notice-pdf", args=[2**64]))

    assert response.status_code == 404


def test_the_receipt_page_offers_the_notice_and_the_reference(world, client_for):
    receipt = quoted_receipt(world)

    page = client_for(world.users["staff_a"]).get(
        reverse("enrollment:receipt-detail", args=[receipt.pk])
    )

    html = page.content.decode()
    assert reverse("billing:notice-pdf", args=[receipt.pk]) in html
    assert payment_reference(receipt) in html
