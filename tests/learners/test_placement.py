import pytest

from courses.models import Program
from enrollment.models import ReceiptStatus
from enrollment.services import receipt_approve
from learners.models import Enrollment, Learner
from learners.services import ERROR_OVER_CAPACITY, cohort_place_line
from portal import pii
from portal.errors import ApplicationError
from portal.models import AuditEvent, User
from tests.factories import CohortFactory
from tests.receipts import id_number, submitted_receipt

pytestmark = pytest.mark.django_db


def approved(
    world, *, people=3, serial_base=100, school=None, staff="staff_a", coordinator="coord_ug"
):
    receipt = submitted_receipt(
        school or world.school_a, world.users[staff], people=people, serial_base=serial_base
    )
    return receipt_approve(receipt=receipt, by=world.users[coordinator])


def test_placing_an_approved_line_enrolls_every_person_and_schedules_the_receipt(world):
    receipt = approved(world, people=3)

    placed = cohort_place_line(
        cohort=world.cohort, line=receipt.lines.get(), by=world.users["coord_ug"]
    )

    assert placed == 3
    assert Enrollment.objects.filter(cohort=world.cohort).count() == 3
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SCHEDULED
    assert receipt.transitions.last().to_status == ReceiptStatus.SCHEDULED
    learner = Learner.objects.get(id_hash=pii.keyed_hash(id_number(101)))
    assert learner.user.institution == world.school_a
    assert learner.user.must_change_password
    assert pii.decrypt(learner.id_encrypted) == id_number(101)
    assert learner.id_masked == id_number(101)[:6] + "********" + id_number(101)[-4:]
    assert AuditEvent.objects.filter(action="cohort.place").exists()


def test_a_person_is_found_again_across_receipts_and_years(world):
    first = approved(world, people=1, serial_base=100)
    cohort_place_line(cohort=world.cohort, line=first.lines.get(), by=world.users["coord_ug"])
    # the next year, the same person is enrolled in another program by the same school
    from enrollment.services import LineRequest, receipt_create, receipt_submit, roster_add_person
    from tests.receipts import RECEIPT_DATA, person

    activists = Program.objects.get(code="activists")
    receipt = receipt_create(
        institution=world.school_a,
        by=world.users["staff_a"],
        data=RECEIPT_DATA,
        lines=[LineRequest(activists, 1)],
    )
    roster_add_person(
        receipt=receipt, by=world.users["staff_a"], values=person(101, activists), consent=True
    )
    receipt = receipt_approve(
        receipt=receipt_submit(receipt=receipt, by=world.users["staff_a"]),
        by=world.users["coord_ug"],
    )
    cohort = CohortFactory(program=activists)

    cohort_place_line(cohort=cohort, line=receipt.lines.get(), by=world.users["coord_ug"])

    assert Learner.objects.filter(id_hash=pii.keyed_hash(id_number(101))).count() == 1
    learner = Learner.objects.get(id_hash=pii.keyed_hash(id_number(101)))
    assert set(
        Enrollment.objects.filter(learner=learner.user).values_list("cohort", flat=True)
    ) == {
        world.cohort.pk,
        cohort.pk,
    }


def test_a_line_too_big_for_the_places_left_is_refused_and_nothing_changes(world):
    world.cohort.capacity = 2
    world.cohort.save()
    receipt = approved(world, people=3)

    with pytest.raises(ApplicationError) as error:
        cohort_place_line(cohort=world.cohort, line=receipt.lines.get(), by=world.users["coord_ug"])

    assert error.value.message == str(ERROR_OVER_CAPACITY % {"left": 2, "needed": 3})
    assert not Enrollment.objects.filter(cohort=world.cohort).exists()
    assert not Learner.objects.exists()
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.APPROVED


def test_a_line_is_placed_once(world):
    receipt = approved(world, people=1)
    line = receipt.lines.get()
    cohort_place_line(cohort=world.cohort, line=line, by=world.users["coord_ug"])

    with pytest.raises(ApplicationError):
        cohort_place_line(
            cohort=CohortFactory(program=line.program), line=line, by=world.users["coord_ug"]
        )
    assert Enrollment.objects.filter(cohort=world.cohort).count() == 1


def test_only_approved_receipts_of_the_same_program_are_placed(world):
    with pytest.raises(ApplicationError):
        cohort_place_line(
            cohort=world.cohort, line=world.receipt_a.lines.get(), by=world.users["coord_ug"]
        )
    receipt = approved(world, people=1)
    with pytest.raises(ApplicationError):
        cohort_place_line(
            cohort=CohortFactory(program=Program.objects.get(code="activists")),
            line=receipt.lines.get(),
            by=world.users["coord_ug"],
        )
    assert not Enrollment.objects.filter(cohort=world.cohort).exists()


def test_a_school_cannot_place_its_own_line(world):
    receipt = approved(world, people=1)
    with pytest.raises(ApplicationError):
        cohort_place_line(cohort=world.cohort, line=receipt.lines.get(), by=world.users["staff_a"])
    assert not Enrollment.objects.filter(cohort=world.cohort).exists()


def test_placing_costs_the_same_queries_for_3_or_30_people(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = approved(world, people=3, serial_base=400)
    big = approved(world, people=30, serial_base=500)
    world.cohort.capacity = 100
    world.cohort.save()
    with CaptureQueriesContext(connection) as few:
        cohort_place_line(cohort=world.cohort, line=small.lines.get(), by=world.users["coord_ug"])
    with CaptureQueriesContext(connection) as many:
        cohort_place_line(cohort=world.cohort, line=big.lines.get(), by=world.users["coord_ug"])
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_new_learner_signs_in_with_the_initial_password_and_must_choose_her_own(world, client):
    receipt = approved(world, people=1)
    cohort_place_line(cohort=world.cohort, line=receipt.lines.get(), by=world.users["coord_ug"])
    learner = Learner.objects.get()
    initial = pii.decrypt(learner.initial_password_encrypted)

    # when she signs in with what the school handed over
    response = client.post(
        "/accounts/login/", {"username": learner.user.username, "password": initial}
    )
    # then she is sent to choose a password before anything else
    assert response.status_code == 302
    assert client.get("/dashboard/").headers["Location"].startswith("/accounts/password/")
    changed = client.post(
        "/accounts/password/",
        {"new_password1": "Dangjian-2026-study", "new_password2": "Dangjian-2026-study"},
    )
    assert changed.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    learner.refresh_from_db()
    assert learner.initial_password_encrypted == ""
    user = User.objects.get(pk=learner.user.pk)
    assert not user.must_change_password
    # and the initial password no longer opens the account
    client.logout()
    again = client.post("/accounts/login/", {"username": user.username, "password": initial})
    assert again.status_code == 200
