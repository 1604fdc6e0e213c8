"""Importing a roster into a receipt: every row valid, or nothing at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Program
from enrollment.models import RosterEntry
from enrollment.services import LineRequest, receipt_create, roster_import
from portal import pii
from portal.errors import ApplicationError
from portal.models import AuditEvent
from tests.enrollment.roster_files import line, person, valid_id, xlsx_bytes
from tests.receipts import RECEIPT_DATA

pytestmark = pytest.mark.django_db

STAFF = "党务工作者"


def program(code="party-affairs-staff") -> Program:
    return Program.objects.get(code=code)


@pytest.fixture
def receipt(world):
    return receipt_create(
        institution=world.school_a,
        by=world.users["staff_a"],
        data=RECEIPT_DATA,
        lines=[LineRequest(program(), 3), LineRequest(program("activists"), 1)],
    )


def roster(*people) -> bytes:
    return xlsx_bytes([line(p) for p in people])


def staff_person(seed, **values):
    return person(seed, program=program().name, **values)


def activist(seed, **values):
    return person(
        seed, **{"program": program("activists").name, "party_status": "入党积极分子", **values}
    )


def valid_roster() -> bytes:
    return roster(staff_person(1), staff_person(2), staff_person(3), activist(4))


def test_a_valid_roster_is_imported_with_ids_protected(world, receipt):
    result = roster_import(
        receipt=receipt, data=valid_roster(), by=world.users["staff_a"], consent=True
    )

    assert result.ok
    assert result.created == 4
    entry = RosterEntry.objects.get(receipt=receipt, row_number=2)
    assert entry.id_masked == valid_id(1)[:6] + "********" + valid_id(1)[-4:]
    assert valid_id(1) not in entry.id_encrypted
    assert pii.decrypt(entry.id_encrypted) == valid_id(1)
    assert entry.id_hash == pii.keyed_hash(valid_id(1))
    receipt.refresh_from_db()
    assert receipt.roster_consent_by == world.users["staff_a"]
    assert receipt.roster_consent_at is not None
    assert AuditEvent.objects.filter(action="roster.import", details__rows=4).exists()


def test_without_the_pipl_confirmation_nothing_is_imported(world, receipt):
    with pytest.raises(ApplicationError) as error:
        roster_import(
            receipt=receipt, data=valid_roster(), by=world.users["staff_a"], consent=False
        )

    assert "告知" in error.value.message
    assert not RosterEntry.objects.filter(receipt=receipt).exists()


def test_every_error_is_reported_at_once_by_row_and_column_and_nothing_is_written(world, receipt):
    bad_id = valid_id(2)[:-1] + ("0" if valid_id(2)[-1] != "0" else "1")
    data = roster(
        staff_person(1),
        staff_person(2, id_number=bad_id),
        staff_person(3, mobile="12345"),
        activist(4, program="不存在的班次"),
    )

    result = roster_import(receipt=receipt, data=data, by=world.users["staff_a"], consent=True)

    assert [str(e) for e in result.errors] == [
        "第3行「身份证号」校验位错误",
        "第4行「手机号码」应为 11 位手机号码",
        "第5行「培训班次」不在本回执的报名班次中",
    ]
    assert not RosterEntry.objects.filter(receipt=receipt).exists()


def test_headcounts_must_match_the_receipt(world, receipt):
    data = roster(staff_person(1), staff_person(2), activist(4))

    result = roster_import(receipt=receipt, data=data, by=world.users["staff_a"], consent=True)

    assert [e.message for e in result.errors] == [
        "「高校基层党务工作者培训」回执填报 3 人，名单中有 2 人"
    ]
    assert not RosterEntry.objects.filter(receipt=receipt).exists()


def test_a_person_already_on_another_open_receipt_for_the_program_is_refused(world, receipt):
    other = receipt_create(
        institution=world.school_a,
        by=world.users["staff_a"],
        data=RECEIPT_DATA,
        lines=[LineRequest(program(), 1)],
    )
    roster_import(
        receipt=other, data=roster(staff_person(2)), by=world.users["staff_a"], consent=True
    )

    result = roster_import(
        receipt=receipt, data=valid_roster(), by=world.users["staff_a"], consent=True
    )

    assert [str(e) for e in result.errors] == [
        "第3行「身份证号」本单位已为此人报名该班次（其他回执或期次）"
    ]


def test_an_unknown_area_code_is_accepted_and_flagged_for_review(world, receipt):
    data = roster(
        staff_person(1),
        staff_person(2),
        staff_person(3, id_number=valid_id(3, area="990101")),
        activist(4),
    )

    result = roster_import(receipt=receipt, data=data, by=world.users["staff_a"], consent=True)

    assert result.ok
    flagged = RosterEntry.objects.get(receipt=receipt, needs_review=True)
    assert flagged.row_number == 4
    assert "地区码" in flagged.review_note


def test_an_unreadable_file_is_refused_with_a_clear_message(world, receipt):
    with pytest.raises(ApplicationError) as error:
        roster_import(
            receipt=receipt, data=b"name,id\n1,2\n", by=world.users["staff_a"], consent=True
        )

    assert "xlsx" in error.value.message
    assert not RosterEntry.objects.filter(receipt=receipt).exists()


def test_a_new_upload_replaces_the_roster(world, receipt):
    roster_import(receipt=receipt, data=valid_roster(), by=world.users["staff_a"], consent=True)
    data = roster(staff_person(11), staff_person(12), staff_person(13), activist(14))

    roster_import(receipt=receipt, data=data, by=world.users["staff_a"], consent=True)

    assert set(receipt.roster.values_list("name", flat=True)) == {"李11", "李12", "李13", "李14"}


def test_a_submitted_receipts_roster_cannot_be_replaced(world):
    with pytest.raises(ApplicationError):
        roster_import(
            receipt=world.receipt_a, data=valid_roster(), by=world.users["staff_a"], consent=True
        )
    assert world.receipt_a.roster.count() == 1


def test_another_school_cannot_upload(world, receipt):
    with pytest.raises(ApplicationError):
        roster_import(receipt=receipt, data=valid_roster(), by=world.users["staff_b"], consent=True)
    assert not RosterEntry.objects.filter(receipt=receipt).exists()


def test_the_queries_of_an_import_do_not_grow_with_the_rows(world):
    def import_counting(people: int) -> int:
        receipt = receipt_create(
            institution=world.school_a,
            by=world.users["staff_a"],
            data=RECEIPT_DATA,
            lines=[LineRequest(program("organisers"), people)],
        )
        data = roster(
            *[person(1000 + people + n, program=program("organisers").name) for n in range(people)]
        )
        with CaptureQueriesContext(connection) as queries:
            assert roster_import(
                receipt=receipt, data=data, by=world.users["staff_a"], consent=True
            ).ok
        return len(queries.captured_queries)

    assert import_counting(3) == import_counting(30)


REPLACEMENTS = {
    # the last row is wrong: the rows before it were already being written
    "last-row-wrong": lambda: roster(
        staff_person(11), staff_person(12), staff_person(13), activist(14, mobile="1")
    ),
    # every row is right, but the headcount is only known to be wrong at the end
    "headcount-wrong": lambda: roster(staff_person(11), staff_person(12), activist(14)),
    # right, but the school has not confirmed the PIPL notice
    "no-consent": None,
}


@pytest.mark.parametrize("case", list(REPLACEMENTS))
def test_a_refused_replacement_keeps_the_roster_that_was_there(world, receipt, case):
    staff = world.users["staff_a"]
    roster_import(receipt=receipt, data=valid_roster(), by=staff, consent=True)
    before = list(RosterEntry.objects.filter(receipt=receipt).values_list("id", "name", "id_hash"))
    good = roster(staff_person(11), staff_person(12), staff_person(13), activist(14))

    if REPLACEMENTS[case] is None:
        with pytest.raises(ApplicationError):
            roster_import(receipt=receipt, data=good, by=staff, consent=False)
    else:
        result = roster_import(receipt=receipt, data=REPLACEMENTS[case](), by=staff, consent=True)
        assert not result.ok

    after = list(RosterEntry.objects.filter(receipt=receipt).values_list("id", "name", "id_hash"))
    assert after == before
