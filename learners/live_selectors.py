"""What the live-session pages read: a cohort's sessions, a learner's timetable and the
attendance sheet, each in a fixed number of queries."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from courses.models import Cohort, LiveSession
from learners.models import Attendance, Enrollment


def cohort_sessions(cohort: Cohort) -> QuerySet[LiveSession]:
    """A cohort's sessions with how many attended each: one query."""
    return (
        LiveSession.objects.filter(cohort=cohort)
        .annotate(attended=Count("attendances"))
        .order_by("starts_at", "pk")
    )


@dataclass
class LearnerSession:
    session: LiveSession
    attended: bool

    @property
    def ends_at(self) -> datetime.datetime:
        return self.session.starts_at + datetime.timedelta(minutes=self.session.duration_minutes)


def learner_sessions(enrollment: Enrollment) -> list[LearnerSession]:
    """Her cohort's sessions and whether she attended each: two queries."""
    attended = set(
        Attendance.objects.filter(enrollment=enrollment).values_list("session_id", flat=True)
    )
    return [
        LearnerSession(session, session.pk in attended)
        for session in LiveSession.objects.filter(cohort_id=enrollment.cohort_id).order_by(
            "starts_at", "pk"
        )
    ]


def session_sheet(session: LiveSession, *, search: str = "") -> QuerySet[Enrollment]:
    """The cohort's places for the attendance sheet, searchable by name or username."""
    places = Enrollment.objects.filter(cohort_id=session.cohort_id).select_related(
        "learner", "institution"
    )
    if search:
        places = places.filter(
            Q(learner__full_name__icontains=search) | Q(learner__username__icontains=search)
        )
    return places.order_by("institution__name", "learner__full_name", "pk")


def attended_among(session: LiveSession, pks: Iterable[int]) -> set[int]:
    return set(
        Attendance.objects.filter(session=session, enrollment_id__in=list(pks)).values_list(
            "enrollment_id", flat=True
        )
    )
