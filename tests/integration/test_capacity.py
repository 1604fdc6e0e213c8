import threading

from django.db import connection

from learners.models import Enrollment
from learners.services import enrollment_create
from portal.errors import ApplicationError
from tests.factories import CohortFactory, LearnerFactory


def test_parallel_enrollments_fill_a_nearly_full_cohort_exactly(postgres):
    # given a cohort of 10 with 7 places taken, and 12 learners trying at once
    cohort = CohortFactory(capacity=10)
    for learner in LearnerFactory.create_batch(7):
        enrollment_create(cohort=cohort, learner=learner, by=None)
    candidates = LearnerFactory.create_batch(12)
    start = threading.Barrier(len(candidates))
    outcomes = []

    def enroll(learner):
        try:
            start.wait()
            enrollment_create(cohort=cohort, learner=learner, by=None)
            outcomes.append("in")
        except ApplicationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=(learner,)) for learner in candidates]

    # when they all enroll in parallel
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly the capacity is enrolled, none lost and none over
    assert outcomes.count("in") == 3
    assert outcomes.count("full") == 9
    assert Enrollment.objects.filter(cohort=cohort).count() == 10
