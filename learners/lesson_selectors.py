"""Reads of the video lessons: a learner's lessons with her progress, and the heartbeat's row."""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from courses.models import Cohort, Lesson, Program
from learners.models import Enrollment, LessonProgress


@dataclass(frozen=True)
class LessonRow:
    lesson: Lesson
    watched_seconds: int
    completed: bool

    @property
    def percent(self) -> int:
        if not self.lesson.duration_seconds:
            return 0
        return min(100, round(100 * self.watched_seconds / self.lesson.duration_seconds))


def enrollment_lessons(enrollment: Enrollment) -> list[LessonRow]:
    """The program's lessons in order with the learner's progress, in two queries."""
    lessons = list(Lesson.objects.filter(program_id=enrollment.cohort.program_id))
    progress = {
        lesson_id: (watched, completed_at is not None)
        for lesson_id, watched, completed_at in LessonProgress.objects.filter(
            enrollment=enrollment
        ).values_list("lesson_id", "watched_seconds", "completed_at")
    }
    return [LessonRow(lesson, *progress.get(lesson.pk, (0, False))) for lesson in lessons]


@functools.cache
def _beat_sql(vendor: str) -> str:
    """The heartbeat's one read, written out: the ORM takes longer to build this five-table
    query than the database takes to answer it, on the portal's most frequent request."""
    qn = connection.ops.quote_name
    progress, enrollment = LessonProgress._meta.db_table, Enrollment._meta.db_table
    cohort, program, lesson = Cohort._meta.db_table, Program._meta.db_table, Lesson._meta.db_table
    # Only the models' own table names are interpolated; every value is a parameter.
    return (
        "SELECT p.id, p.watched_seconds, p.position_seconds, p.tab, p.beat_at,"  # noqa: S608
        " p.completed_at,"
        " e.learner_id, e.cohort_id, c.start_date, c.end_date, c.program_id,"
        " g.lesson_completion_percent, l.program_id, l.duration_seconds"
        f" FROM {qn(progress)} p"
        f" JOIN {qn(enrollment)} e ON e.id = p.enrollment_id"
        f" JOIN {qn(cohort)} c ON c.id = e.cohort_id"
        f" JOIN {qn(program)} g ON g.id = c.program_id"
        f" JOIN {qn(lesson)} l ON l.id = p.lesson_id"
        " WHERE p.enrollment_id = %s AND p.lesson_id = %s AND e.learner_id = %s"
    )


def _moment(value) -> datetime.datetime | None:
    """A timestamp as the driver gives it (SQLite: naive, in UTC) as an aware datetime."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime.datetime) else parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _day(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


@dataclass(frozen=True)
class BeatState:
    """What the heartbeat's rules read: the progress row, and of its enrollment, cohort, program
    and lesson only the few fields they need."""

    progress_id: int
    watched_seconds: int
    position_seconds: int
    tab: str
    beat_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    enrollment_id: int
    learner_id: int
    start_date: datetime.date
    end_date: datetime.date
    program_id: int
    completion_percent: int
    lesson_program_id: int
    duration_seconds: int

    @classmethod
    def of(cls, progress: LessonProgress, *, enrollment: Enrollment, lesson: Lesson) -> "BeatState":
        cohort = enrollment.cohort
        return cls(
            progress_id=progress.pk,
            watched_seconds=progress.watched_seconds,
            position_seconds=progress.position_seconds,
            tab=progress.tab,
            beat_at=progress.beat_at,
            completed_at=progress.completed_at,
            enrollment_id=enrollment.pk,
            learner_id=enrollment.learner_id,
            start_date=cohort.start_date,
            end_date=cohort.end_date,
            program_id=cohort.program_id,
            completion_percent=cohort.program.lesson_completion_percent,
            lesson_program_id=lesson.program_id,
            duration_seconds=lesson.duration_seconds,
        )


def beat_state(*, enrollment_id: int, lesson_id: int, learner_id: int) -> BeatState | None:
    """The heartbeat's state in one query; None when the learner has no progress row for the
    lesson in that place yet (the first beat) or the place is not hers."""
    with connection.cursor() as cursor:
        cursor.execute(_beat_sql(connection.vendor), [enrollment_id, lesson_id, learner_id])
        row = cursor.fetchone()
    if row is None:
        return None
    (
        pk,
        watched,
        position,
        tab,
        beat_at,
        completed_at,
        learner,
        _cohort_id,
        start,
        end,
        program_id,
        percent,
        lesson_program_id,
        duration,
    ) = row
    return BeatState(
        progress_id=pk,
        watched_seconds=watched,
        position_seconds=position,
        tab=tab,
        beat_at=_moment(beat_at),
        completed_at=_moment(completed_at),
        enrollment_id=enrollment_id,
        learner_id=learner,
        start_date=_day(start),
        end_date=_day(end),
        program_id=program_id,
        completion_percent=percent,
        lesson_program_id=lesson_program_id,
        duration_seconds=duration,
    )
