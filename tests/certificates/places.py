"""Completed places to certify, for the certificate tests and the integration tests."""

from django.utils import timezone

from learners.models import Enrollment, Essay, EssayStatus, HourCategory, Learner, LessonProgress
from learners.services.completion import enrollment_complete_if_met
from portal import pii
from tests.factories import EnrollmentFactory

ID_NUMBER = "11010519491231002X"


def person_of(user, school, name, number=ID_NUMBER):
    return Learner.objects.create(
        user=user,
        name=name,
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=school,
        hour_category=HourCategory.MEMBER,
    )


def watch_all(enrollment):
    for lesson in enrollment.cohort.program.lessons.all():
        LessonProgress.objects.get_or_create(
            enrollment=enrollment,
            lesson=lesson,
            defaults={"watched_seconds": lesson.duration_seconds, "completed_at": timezone.now()},
        )


def pass_essay(enrollment):
    Essay.objects.create(
        enrollment=enrollment, title="心得", body="体会" * 400, status=EssayStatus.PASSED
    )


def complete(enrollment: Enrollment) -> Enrollment:
    """Meet every requirement of the world's study program and complete the place (its signal is
    sent only if the test runs the on-commit callbacks)."""
    watch_all(enrollment)
    pass_essay(enrollment)
    assert enrollment_complete_if_met(enrollment_id=enrollment.pk)
    enrollment.refresh_from_db()
    return enrollment


def completed_places(world, count, institution=None):
    """``count`` more completed places in the study cohort (learners of school_a by default)."""
    places = []
    for _n in range(count):
        place = EnrollmentFactory(
            cohort=world.study_cohort, learner__institution=institution or world.school_a
        )
        places.append(complete(place))
    return places
