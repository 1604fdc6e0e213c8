"""Quotes: every fee rule exact to the fen (200 and 280 per person, workshops of at most 50, custom
at the negotiated amount), fixed at approval, re-fixed as a new version when the roster or a
negotiated fee changes after that (the old version untouched), the receipt form's estimate priced
by the same rule, and who may see or enter what."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import NegotiatedFee, Quote, QuoteReason
from billing.selectors import current_quote
from billing.services.quotes import (
    FeeRequest,
    negotiated_fee_set,
    price_lines,
    quote_compute,
    quote_estimate,
    quote_fix,
)
from courses.models import Program
from enrollment.models import ReceiptStatus
from enrollment.services import (
    LineRequest,
    receipt_approve,
    receipt_create,
    receipt_submit,
    roster_add_person,
    roster_remove_person,
)
from portal.errors import ApplicationError, PermissionRefused
from tests.receipts import RECEIPT_DATA, person


def program(code: str) -> Program:
    return Program.objects.get(code=code)


def exact(amount: Decimal, expected: str) -> None:
    """Equal to the fen, and a Decimal with two places (never a float)."""
    assert isinstance(amount, Decimal)
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


@pytest.fixture
def staff(world):
    return world.users["staff_a"]


def receipt_of(world, lines: list[tuple[str, int]], *, serial_base: int, submit: bool = True):
    """school_a's receipt for ``lines`` (program code, people), its roster filled in, submitted."""
    staff = world.users["staff_a"]
    receipt = receipt_create(
        institution=world.school_a,
        by=staff,
        data=RECEIPT_DATA,
        lines=[LineRequest(program=program(code), participants=n) for code, n in lines],
    )
    serial = serial_base
    for code, n in lines:
        for _ in range(n):
            serial += 1
            roster_add_person(
                receipt=receipt, by=staff, values=person(serial, program(code)), consent=True
            )
    return receipt_submit(receipt=receipt, by=staff) if submit else receipt


# ---- the rule, exact to the fen ----


@pytest.mark.parametrize(
    ("code", "people", "quantity", "total", "note"),
    [
        ("party-affairs-staff", 1, 1, "200.00", ""),
        ("party-affairs-staff", 37, 37, "7400.00", ""),
        ("development-workflow-simulation", 1, 1, "280.00", ""),
        ("development-workflow-simulation", 33, 33, "9240.00", ""),
        ("double-creation-workshop", 1, 1, "98000.00", "1 人，1 个工作坊（每坊不超过 50 人）"),
        ("double-creation-workshop", 50, 1, "98000.00", "50 人，1 个工作坊（每坊不超过 50 人）"),
        (
            "double-creation-workshop",
            51,
            2,
            "196000.00",
            "51 人，需 2 个工作坊（每坊不超过 50 人）",
        ),
        (
            "double-creation-workshop",
            100,
            2,
            "196000.00",
            "100 人，需 2 个工作坊（每坊不超过 50 人）",
        ),
        (
            "double-creation-workshop",
            101,
            3,
            "294000.00",
            "101 人，需 3 个工作坊（每坊不超过 50 人）",
        ),
    ],
)
def test_each_catalog_fee_rule_is_exact_to_the_fen(db, code, people, quantity, total, note):
    draft = quote_estimate([(program(code), people)])

    (line,) = draft.lines
    assert (line.people, line.quantity, line.note) == (people, quantity, note)
    exact(line.amount, total)
    exact(line.unit_price, str(program(code).fee_amount))
    exact(draft.total, total)


def test_a_workshop_never_squeezes_people_in(db):
    workshop = program("double-creation-workshop")
    assert workshop.max_participants == 50

    for people in range(1, 251):
        (line,) = quote_estimate([(workshop, people)]).lines
        assert line.quantity * 50 >= people  # room for everybody
        assert (line.quantity - 1) * 50 < people  # and not a workshop more than needed


def test_custom_training_is_quoted_at_the_negotiated_amount_with_its_note(db):
    custom = program("custom-training")

    draft = price_lines(
        [
            FeeRequest(custom, 30, negotiated=Decimal("123456.78"), negotiated_note="30 人定制"),
            FeeRequest(program("party-affairs-staff"), 3),
        ]
    )

    custom_line, per_person = draft.lines
    assert (custom_line.quantity, custom_line.people) == (1, 30)
    exact(custom_line.amount, "123456.78")
    assert custom_line.note == "协商确定：30 人定制"
    exact(per_person.amount, "600.00")
    exact(draft.total, "124056.78")


def test_a_custom_line_without_its_fee_is_pending_in_an_estimate(db):
    draft = quote_estimate([(program("custom-training"), 20), (program("party-affairs-staff"), 2)])

    assert [p.code for p in draft.pending] == ["custom-training"]
    assert not draft.complete
    exact(draft.total, "400.00")


def test_lines_of_every_rule_add_up_to_the_fen(db):
    draft = quote_estimate(
        [
            (program("party-affairs-staff"), 999),
            (program("development-workflow-simulation"), 7),
            (program("double-creation-workshop"), 51),
        ]
    )

    exact(draft.total, str(Decimal("199800.00") + Decimal("1960.00") + Decimal("196000.00")))


# ---- approval fixes version 1; roster changes make new versions ----


def test_approval_fixes_version_1_from_the_roster(world, coordinator):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)

    quote = current_quote(receipt)
    assert (quote.version, quote.reason, quote.previous_total) == (1, QuoteReason.APPROVAL, None)
    exact(quote.total, "200.00")
    (line,) = quote.lines.all()
    assert (line.program.code, line.people, line.quantity) == ("party-affairs-staff", 1, 1)
    assert quote.created_by == coordinator


def test_a_roster_change_after_approval_makes_version_2_and_leaves_version_1(world, coordinator):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)
    first = current_quote(receipt)

    # the desk adds a person the school phoned in
    roster_add_person(
        receipt=receipt,
        by=coordinator,
        values=person(500, program("party-affairs-staff")),
        consent=True,
    )

    second = current_quote(receipt)
    assert (second.version, second.reason) == (2, QuoteReason.ROSTER)
    exact(second.total, "400.00")
    exact(second.previous_total, "200.00")
    exact(second.difference, "200.00")
    assert [line.people for line in second.lines.all()] == [2]
    assert receipt.lines.get().participants == 2  # the line follows its roster
    first.refresh_from_db()
    exact(first.total, "200.00")
    assert [line.people for line in first.lines.all()] == [1]

    # and removes one again: version 3, 200.00 less
    roster_remove_person(entry=receipt.roster.order_by("-row_number").first(), by=coordinator)
    third = current_quote(receipt)
    assert third.version == 3
    exact(third.difference, "-200.00")
    assert Quote.objects.filter(receipt=receipt).count() == 3


def test_no_change_makes_no_new_version(world, coordinator):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)

    again = quote_fix(receipt=receipt, by=coordinator, reason=QuoteReason.ROSTER)

    assert again.version == 1
    assert Quote.objects.filter(receipt=receipt).count() == 1


def test_the_51st_person_of_a_workshop_needs_a_second_workshop(world, coordinator):
    receipt = receipt_of(world, [("double-creation-workshop", 50)], serial_base=100)
    receipt = receipt_approve(receipt=receipt, by=coordinator)
    exact(current_quote(receipt).total, "98000.00")

    roster_add_person(
        receipt=receipt,
        by=coordinator,
        values=person(300, program("double-creation-workshop")),
        consent=True,
    )

    quote = current_quote(receipt)
    (line,) = quote.lines.all()
    assert (quote.version, line.people, line.quantity) == (2, 51, 2)
    assert line.note == "51 人，需 2 个工作坊（每坊不超过 50 人）"
    exact(quote.total, "196000.00")
    exact(quote.difference, "98000.00")


def test_the_school_cannot_change_an_approved_roster(world, coordinator, staff):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)

    with pytest.raises(ApplicationError):
        roster_add_person(
            receipt=receipt,
            by=staff,
            values=person(501, program("party-affairs-staff")),
            consent=True,
        )

    assert Quote.objects.filter(receipt=receipt).count() == 1


def test_another_desk_cannot_amend_an_approved_roster(world, coordinator):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)

    with pytest.raises(PermissionRefused):
        roster_remove_person(entry=receipt.roster.first(), by=world.users["coord_voc"])


# ---- negotiated fees ----


def test_a_custom_line_without_a_fee_refuses_approval_with_the_sentence(world, coordinator):
    receipt = receipt_of(world, [("custom-training", 2)], serial_base=200)

    with pytest.raises(ApplicationError, match="委托定制班次「委托定制培训」尚未录入协商费用。"):
        receipt_approve(receipt=receipt, by=coordinator)

    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SUBMITTED
    assert not Quote.objects.filter(receipt=receipt).exists()
    with pytest.raises(ApplicationError, match="尚未录入协商费用"):
        quote_compute(receipt)


def test_the_negotiated_fee_is_the_quote_and_a_new_fee_requotes(world, coordinator):
    receipt = receipt_of(
        world, [("custom-training", 2), ("party-affairs-staff", 1)], serial_base=210
    )
    custom = receipt.lines.get(program__code="custom-training")
    negotiated_fee_set(line=custom, amount=Decimal("45678.90"), note="2 人定制方案", by=coordinator)

    receipt = receipt_approve(receipt=receipt, by=coordinator)
    first = current_quote(receipt)
    exact(first.total, "45878.90")
    assert first.lines.get(program__code="custom-training").note == "协商确定：2 人定制方案"

    negotiated_fee_set(line=custom, amount=Decimal("40000.00"), note="调整后", by=coordinator)

    second = current_quote(receipt)
    assert (second.version, second.reason) == (2, QuoteReason.NEGOTIATED)
    exact(second.total, "40200.00")
    exact(second.difference, "-5678.90")
    first.refresh_from_db()
    exact(first.total, "45878.90")


@pytest.mark.parametrize("who", ["staff_a", "prov_bj", "learner_a", "coord_voc"])
def test_only_the_receipts_academy_desk_enters_negotiated_fees(world, who):
    receipt = receipt_of(world, [("custom-training", 1)], serial_base=220)
    line = receipt.lines.get()

    with pytest.raises(PermissionRefused):
        negotiated_fee_set(line=line, amount=Decimal("100.00"), note="试", by=world.users[who])

    assert not NegotiatedFee.objects.exists()


def test_a_catalog_priced_line_takes_no_negotiated_fee(world, coordinator):
    with pytest.raises(ApplicationError, match="按目录标准收费"):
        negotiated_fee_set(
            line=world.receipt_a.lines.get(), amount=Decimal("1.00"), note="试", by=coordinator
        )


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "10000000.01"])
def test_a_negotiated_fee_out_of_bounds_is_refused(world, coordinator, amount):
    receipt = receipt_of(world, [("custom-training", 1)], serial_base=230)

    with pytest.raises(ApplicationError):
        negotiated_fee_set(
            line=receipt.lines.get(), amount=Decimal(amount), note="试", by=coordinator
        )


def test_the_negotiated_fee_form_posts_for_the_desk_only(world, client_for, coordinator):
    receipt = receipt_of(world, [("custom-training", 1)], serial_base=240)
    line = receipt.lines.get()
    url = reverse("billing:negotiated-fee", args=[receipt.pk, line.pk])
    form = {"amount": "8888.88", "note": "一人定制"}

    refused = client_for(world.users["staff_a"]).post(url, form)
    page = client_for(coordinator).get(reverse("enrollment:receipt-detail", args=[receipt.pk]))
    school_page = client_for(world.users["staff_a"]).get(
        reverse("enrollment:receipt-detail", args=[receipt.pk])
    )
    saved = client_for(coordinator).post(url, form)

    assert refused.status_code == 403
    assert url in page.content.decode()
    assert url not in school_page.content.decode()
    assert saved.status_code == 302
    exact(NegotiatedFee.objects.get(line=line).amount, "8888.88")


# ---- the estimate on the receipt form ----


def estimate(client, pairs: dict[str, int]):
    query = {f"program_{program(code).pk}": str(n) for code, n in pairs.items()}
    return client.get(reverse("billing:quote-estimate"), query)


def test_the_estimate_equals_quote_compute(world, client_for, staff):
    receipt = receipt_of(
        world, [("development-workflow-simulation", 3), ("party-affairs-staff", 2)], serial_base=250
    )
    draft = quote_compute(receipt)

    data = estimate(
        client_for(staff), {"development-workflow-simulation": 3, "party-affairs-staff": 2}
    ).json()

    assert data["total"] == str(draft.total) == "1240.00"
    assert [(x["program"], x["people"], x["quantity"], x["amount"]) for x in data["lines"]] == [
        (line.program.name, line.people, line.quantity, str(line.amount)) for line in draft.lines
    ]


def test_the_estimate_of_51_workshop_people_says_two_workshops(world, client_for, staff):
    data = estimate(client_for(staff), {"double-creation-workshop": 51}).json()

    (line,) = data["lines"]
    assert (line["quantity"], line["amount"], line["amount_display"]) == (
        2,
        "196000.00",
        "196,000.00",
    )
    assert line["note"] == "51 人，需 2 个工作坊（每坊不超过 50 人）"
    assert data["total"] == str(quote_estimate([(program("double-creation-workshop"), 51)]).total)


def test_the_estimate_ignores_what_is_not_a_headcount(world, client_for, staff):
    client = client_for(staff)
    pk = program("party-affairs-staff").pk

    data = client.get(
        reverse("billing:quote-estimate"),
        {f"program_{pk}": "-3", "program_99999999999999999999": "2", "x": "1", "program_1": "abc"},
    ).json()

    assert data == {
        "lines": [],
        "pending": [],
        "total": "0.00",
        "total_display": "0.00",
        "complete": True,
    }


def test_the_estimate_lists_a_custom_program_as_pending(world, client_for, staff):
    data = estimate(client_for(staff), {"custom-training": 5, "party-affairs-staff": 1}).json()

    assert data["pending"] == ["委托定制培训"]
    assert data["complete"] is False
    assert data["total"] == "200.00"


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_a", 200), ("prov_bj", 200), ("coord_ug", 200), ("learner_a", 403)],
)
def test_estimate_access(world, client_for, who, status):
    response = estimate(client_for(world.users[who]), {"party-affairs-staff": 1})

    assert response.status_code == status


def test_the_receipt_form_has_the_estimate_box_and_no_inline_script(world, client_for, staff):
    html = client_for(staff).get(reverse("enrollment:receipt-create")).content.decode()

    assert 'id="fee-estimate"' in html
    assert reverse("billing:quote-estimate") in html
    assert "js/receipt_estimate.js" in html
    assert "<script>" not in html


# ---- the receipt page ----


def test_the_receipt_page_shows_the_quote_and_the_difference(world, client_for, coordinator):
    receipt = receipt_approve(receipt=world.receipt_a, by=coordinator)
    roster_add_person(
        receipt=receipt,
        by=coordinator,
        values=person(502, program("party-affairs-staff")),
        consent=True,
    )
    url = reverse("enrollment:receipt-detail", args=[receipt.pk])

    html = client_for(world.users["staff_a"]).get(url).content.decode()

    assert 'data-quote-version="2"' in html
    assert "400.00 元" in html
    assert "较上一版 +200.00 元" in html
    assert "第 1 版" in html  # the earlier version, kept


def test_before_approval_the_page_shows_an_estimate(world, client_for):
    url = reverse("enrollment:receipt-detail", args=[world.receipt_a.pk])

    html = client_for(world.users["staff_a"]).get(url).content.decode()

    assert "预计费用" in html
    assert "200.00 元" in html


def _page_queries(client, receipt) -> int:
    url = reverse("enrollment:receipt-detail", args=[receipt.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_receipt_page_costs_the_same_queries_whatever_its_lines(
    world, client_for, coordinator, staff
):
    one = receipt_approve(
        receipt=receipt_of(world, [("branch-standardisation", 1)], serial_base=600),
        by=coordinator,
    )
    three = receipt_approve(
        receipt=receipt_of(
            world,
            [
                ("development-workflow-simulation", 2),
                ("double-creation-workshop", 2),
                ("party-affairs-staff", 2),
            ],
            serial_base=700,
        ),
        by=coordinator,
    )
    for receipt, serial in ((one, 650), (three, 750)):  # a second version each
        roster_add_person(
            receipt=receipt,
            by=coordinator,
            values=person(serial, receipt.lines.first().program),
            consent=True,
        )
    client = client_for(staff)
    _page_queries(client, one)  # warm the session and caches

    assert _page_queries(client, three) == _page_queries(client, one)
