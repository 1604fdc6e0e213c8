"""When an enrollment is complete: once, when every required part is met within the cohort's
dates, with the hours it earned fixed on it."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.models import Enrollment, EnrollmentStatus
from learners.selectors import enrollment_progress, study_open
from learners.signals import enrollment_completed
from portal.errors import StateConflict
from portal.services import audit_record


def require_study_open(enrollment: Enrollment) -> None:
    """Refuse to earn anything outside the cohort's study period."""
    if not study_open(enrollment):
        cohort = enrollment.cohort
        raise StateConflict(
            _("本期次的学习时间为 %(start)s 至 %(end)s，现在不在学习时间内，学习记录不再计入。")
            % {"start": cohort.start_date.isoformat(), "end": cohort.end_date.isoformat()}
        )


def completion_open(enrollment: Enrollment) -> bool:
    """Whether the enrollment may still complete: from the cohort's start until a grading grace
    after its end. Learners earn nothing after the end (every study service refuses it), but work
    handed in on time — an essay, a live session's attendance — may be judged by a coordinator in
    the days after, and then completes the place it belongs to."""
    today = timezone.localdate()
    cohort = enrollment.cohort
    grace = datetime.timedelta(days=settings.COMPLETION_GRACE_DAYS)
    return cohort.start_date <= today <= cohort.end_date + grace


def enrollment_complete_if_met(*, enrollment_id: int) -> bool:
    """Complete the enrollment if every requirement is now met; True when this call completed it.

    Safe to call after every piece of study and to run twice: the row is locked, and a completed
    enrollment is left as it is. Call it inside the transaction of the study it follows, so that
    the check sees that write.
    """
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("cohort__program")
            .get(pk=enrollment_id)
        )
        if enrollment.status == EnrollmentStatus.COMPLETED or not completion_open(enrollment):
            return False
        progress = enrollment_progress(enrollment)
        if not progress.met:
            return False
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = timezone.now()
        enrollment.hours_earned = progress.hours
        enrollment.theory_hours_earned = progress.theory_hours
        enrollment.save(
            update_fields=[
                "status",
                "completed_at",
                "hours_earned",
                "theory_hours_earned",
                "updated_at",
            ]
        )
        audit_record(
            actor=None,
            action="enrollment.complete",
            target=enrollment,
            details={
                "hours": str(enrollment.hours_earned),
                "theory_hours": str(enrollment.theory_hours_earned),
            },
        )
        transaction.on_commit(
            lambda: enrollment_completed.send(sender=Enrollment, enrollment_id=enrollment_id)
        )
    return True
