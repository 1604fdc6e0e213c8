import pytest

from learners.models import Enrollment
from learners.services import ERROR_ALREADY_ENROLLED, ERROR_COHORT_FULL, enrollment_create
from portal.errors import ApplicationError
from tests.factories import CohortFactory, LearnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_learner_takes_a_place():
    cohort = CohortFactory(capacity=2)
    learner = LearnerFactory()

    enrollment = enrollment_create(cohort=cohort, learner=learner, by=None)

    assert enrollment.cohort == cohort


def test_a_full_cohort_refuses_and_changes_nothing():
    cohort = CohortFactory(capacity=1)
    enrollment_create(cohort=cohort, learner=LearnerFactory(), by=None)

    with pytest.raises(ApplicationError) as error:
        enrollment_create(cohort=cohort, learner=LearnerFactory(), by=None)

    assert error.value.message == str(ERROR_COHORT_FULL % {"capacity": 1})
    assert Enrollment.objects.filter(cohort=cohort).count() == 1


def test_enrolling_twice_is_refused():
    cohort = CohortFactory(capacity=5)
    learner = LearnerFactory()
    enrollment_create(cohort=cohort, learner=learner, by=None)

    with pytest.raises(ApplicationError) as error:
        enrollment_create(cohort=cohort, learner=learner, by=None)

    assert error.value.message == str(ERROR_ALREADY_ENROLLED)
    assert Enrollment.objects.count() == 1


def test_only_learners_are_enrolled():
    with pytest.raises(ApplicationError):
        enrollment_create(cohort=CohortFactory(), learner=StaffFactory(), by=None)
    assert not Enrollment.objects.exists()


def test_a_learner_sees_her_cohort_on_her_dashboard(client_for):
    learner = LearnerFactory()
    cohort = CohortFactory(name="第9期")
    enrollment_create(cohort=cohort, learner=learner, by=None)

    page = client_for(learner).get("/dashboard/").content.decode()

    assert "第9期" in page
    assert "高校基层党务工作者培训" in page
