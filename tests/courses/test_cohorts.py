import datetime

import pytest
from django.utils import timezone

from courses.models import Program
from courses.services import (
    ERROR_OVER_PROGRAM_LIMIT,
    ERROR_STUDY_TOO_LONG,
    add_months,
    cohort_create,
)
from portal.errors import ApplicationError
from portal.models import AuditEvent
from tests.factories import AcademyCoordinatorFactory

pytestmark = pytest.mark.django_db
# Next year's spring: always within the window of dates a cohort may start in.
YEAR = timezone.localdate().year + 1


def create(**overrides):
    coordinator = AcademyCoordinatorFactory()
    fields = {
        "program": Program.objects.get(code="activists"),
        "name": "第1期",
        "start_date": datetime.date(YEAR, 3, 1),
        "end_date": datetime.date(YEAR, 5, 1),
        "capacity": 200,
        "coordinator": coordinator,
        "by": coordinator,
    }
    return cohort_create(**{**fields, **overrides})


def test_a_cohort_of_exactly_two_months_is_created_and_audited():
    cohort = create()

    assert cohort.pk is not None
    assert AuditEvent.objects.filter(action="cohort.create", object_id=str(cohort.pk)).exists()


def test_a_cohort_longer_than_two_months_is_refused():
    with pytest.raises(ApplicationError) as error:
        create(end_date=datetime.date(YEAR, 5, 2))

    assert error.value.message == str(ERROR_STUDY_TOO_LONG % {"latest": f"{YEAR}-05-01"})
    assert not AuditEvent.objects.exists()


def test_a_workshop_holds_at_most_fifty():
    workshop = Program.objects.get(code="double-creation-workshop")

    with pytest.raises(ApplicationError) as error:
        create(program=workshop, capacity=51)

    assert error.value.message == str(ERROR_OVER_PROGRAM_LIMIT % {"max": 50})
    assert create(program=workshop, capacity=50, name="工作坊1").capacity == 50


def test_end_before_start_is_refused():
    with pytest.raises(ApplicationError):
        create(end_date=datetime.date(YEAR, 2, 28))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 12, 15), 2, datetime.date(2027, 2, 15)),
        (datetime.date(2028, 12, 31), 2, datetime.date(2029, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_cohorts_enrollments_show_an_empty_id_for_an_account_without_a_persons_record(
    world, client_for
):
    # learner_a's account was made without a person's record (no roster behind it)
    response = client_for(world.users["coord_ug"]).get(
        f"/api/v1/cohorts/{world.study_cohort.pk}/enrollments/"
    )

    assert response.status_code == 200
    assert response.json()["results"][0]["id_number"] == ""
