"""What a learner has done, read in a fixed number of queries: her places, each part's progress
against its program's requirements, the hours earned so far and what is left to do."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort, Lesson, Program, SimulationStep
from learners.models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    Essay,
    EssayStatus,
    Evaluation,
    ExamAttempt,
    LessonProgress,
    LessonRating,
    Post,
    StepProgress,
)
from portal import access
from portal.models import Role, User

ZERO = Decimal("0")


def learner_enrollments(*, learner: User) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(learner=learner).select_related("cohort__program")


def own_enrollment(*, user: User, pk: int) -> Enrollment:
    """The learner's own place ``pk``; anyone else's is not found (404 in the views)."""
    return Enrollment.objects.select_related("cohort__program").get(
        pk=pk, learner_id=user.pk if access.has_role(user, Role.LEARNER) else None
    )


def study_open(enrollment: Enrollment, *, today=None) -> bool:
    """Whether anything can still be earned in this place: between the cohort's dates."""
    today = today or timezone.localdate()
    cohort = enrollment.cohort
    return cohort.start_date <= today <= cohort.end_date


@dataclass
class Part:
    """One part of a program as it stands for a learner: ``done`` of ``needed``."""

    key: str
    label: str
    done: int
    needed: int
    required: bool
    detail: str = ""

    @property
    def met(self) -> bool:
        return not self.required or self.done >= self.needed

    @property
    def percent(self) -> int:
        if not self.needed:
            return 100
        return min(100, round(100 * self.done / self.needed))


@dataclass
class Progress:
    enrollment: Enrollment
    parts: list[Part] = field(default_factory=list)
    lesson_hours: Decimal = ZERO
    lesson_theory_hours: Decimal = ZERO
    live_hours: Decimal = ZERO
    live_theory_hours: Decimal = ZERO
    completed_lessons: set[int] = field(default_factory=set)

    @property
    def required_parts(self) -> list[Part]:
        return [part for part in self.parts if part.required]

    @property
    def met(self) -> bool:
        """Every required part is met (a program that requires nothing cannot be completed)."""
        required = self.required_parts
        return bool(required) and all(part.met for part in required)

    @property
    def left(self) -> list[Part]:
        return [part for part in self.required_parts if not part.met]

    def _activity(self, theory: bool) -> Decimal:
        program = self.enrollment.cohort.program
        if not self.met or (theory and not program.activity_hours_theory):
            return ZERO
        return program.activity_hours

    @property
    def hours(self) -> Decimal:
        """Hours earned so far; the activity hours count once everything is met."""
        return self.lesson_hours + self.live_hours + self._activity(theory=False)

    @property
    def theory_hours(self) -> Decimal:
        return self.lesson_theory_hours + self.live_theory_hours + self._activity(theory=True)


@dataclass
class Facts:
    """What one learner has done in one place, as read from the database."""

    completed_lessons: set[int] = field(default_factory=set)
    posts: int = 0
    essay_status: str | None = None
    exam_scores: list[tuple[int, bool]] = field(default_factory=list)  # (score, passed)
    live_count: int = 0
    live_hours: Decimal = ZERO
    live_theory_hours: Decimal = ZERO
    steps_done: int = 0


@dataclass(frozen=True)
class ProgramContent:
    """What a program asks, read once for any number of its learners."""

    program: Program
    lessons: list[dict[str, Any]]
    steps_total: int

    @classmethod
    def of(cls, program: Program) -> "ProgramContent":
        return cls(
            program=program,
            lessons=[
                {"pk": pk, "hours": hours, "is_theory": is_theory}
                for pk, hours, is_theory in Lesson.objects.filter(program=program).values_list(
                    "pk", "hours", "is_theory"
                )
            ],
            steps_total=SimulationStep.objects.count() if program.require_simulation else 0,
        )


def assess(enrollment: Enrollment, content: ProgramContent, facts: Facts) -> Progress:
    """The one place where a program's requirements meet what a learner did."""
    program = content.program
    progress = Progress(enrollment=enrollment, completed_lessons=facts.completed_lessons)
    lesson_pks = set()
    for lesson in content.lessons:
        lesson_pks.add(lesson["pk"])
        if lesson["pk"] in facts.completed_lessons:
            progress.lesson_hours += lesson["hours"]
            if lesson["is_theory"]:
                progress.lesson_theory_hours += lesson["hours"]
    if content.lessons:
        progress.parts.append(
            Part(
                "lessons",
                _("视频课程"),
                done=len(facts.completed_lessons & lesson_pks),
                needed=len(content.lessons),
                required=program.require_all_lessons,
            )
        )
    if program.min_posts:
        progress.parts.append(
            Part(
                "discussion",
                _("主题研讨"),
                done=facts.posts,
                needed=program.min_posts,
                required=True,
            )
        )
    if program.require_essay:
        status = facts.essay_status
        progress.parts.append(
            Part(
                "essay",
                _("心得撰写"),
                done=int(status == EssayStatus.PASSED),
                needed=1,
                required=True,
                detail=str(EssayStatus(status).label) if status else _("未提交"),
            )
        )
    if program.require_exam:
        scores = facts.exam_scores
        best = max((score for score, _passed in scores), default=None)
        progress.parts.append(
            Part(
                "exam",
                _("在线考试"),
                done=int(any(passed for _score, passed in scores)),
                needed=1,
                required=True,
                detail=(
                    _("最高 %(best)s 分（及格 %(pass)s 分），已考 %(n)s / %(max)s 次")
                    % {
                        "best": best,
                        "pass": program.exam_pass_score,
                        "n": len(scores),
                        "max": program.exam_max_attempts,
                    }
                    if scores
                    else _("未参加（及格 %(pass)s 分）") % {"pass": program.exam_pass_score}
                ),
            )
        )
    progress.live_hours = facts.live_hours
    progress.live_theory_hours = facts.live_theory_hours
    if program.min_live_sessions:
        progress.parts.append(
            Part(
                "live",
                _("同步直播"),
                done=facts.live_count,
                needed=program.min_live_sessions,
                required=True,
            )
        )
    if program.require_simulation:
        progress.parts.append(
            Part(
                "simulation",
                _("情景模拟"),
                done=facts.steps_done,
                needed=content.steps_total,
                required=True,
            )
        )
    return progress


def facts_of(enrollment_ids: list[int]) -> dict[int, Facts]:
    """Every listed place's facts in six queries, however many places and rows there are."""
    facts = {pk: Facts() for pk in enrollment_ids}
    for enrollment_id, lesson_id in LessonProgress.objects.filter(
        enrollment_id__in=enrollment_ids, completed_at__isnull=False
    ).values_list("enrollment_id", "lesson_id"):
        facts[enrollment_id].completed_lessons.add(lesson_id)
    for row in (
        Post.objects.filter(enrollment_id__in=enrollment_ids, is_hidden=False)
        .values("enrollment_id")
        .annotate(n=Count("pk"))
    ):
        facts[row["enrollment_id"]].posts = row["n"]
    for enrollment_id, status in Essay.objects.filter(enrollment_id__in=enrollment_ids).values_list(
        "enrollment_id", "status"
    ):
        facts[enrollment_id].essay_status = status
    for enrollment_id, score, passed in ExamAttempt.objects.filter(
        enrollment_id__in=enrollment_ids, submitted_at__isnull=False
    ).values_list("enrollment_id", "score", "passed"):
        facts[enrollment_id].exam_scores.append((score or 0, passed))
    for row in (
        Attendance.objects.filter(enrollment_id__in=enrollment_ids)
        .values("enrollment_id")
        .annotate(
            n=Count("pk"),
            hours=Sum("session__hours"),
            theory=Sum("session__hours", filter=Q(session__is_theory=True)),
        )
    ):
        entry = facts[row["enrollment_id"]]
        entry.live_count = row["n"]
        entry.live_hours = row["hours"] or ZERO
        entry.live_theory_hours = row["theory"] or ZERO
    for row in (
        StepProgress.objects.filter(enrollment_id__in=enrollment_ids, completed_at__isnull=False)
        .values("enrollment_id")
        .annotate(n=Count("pk"))
    ):
        facts[row["enrollment_id"]].steps_done = row["n"]
    return facts


def enrollment_progress(enrollment: Enrollment) -> Progress:
    """Each part's progress for one place, in a fixed number of queries whatever its size."""
    content = ProgramContent.of(enrollment.cohort.program)
    return assess(enrollment, content, facts_of([enrollment.pk])[enrollment.pk])


def places_progress(enrollments: list[Enrollment]) -> list[Progress]:
    """The progress of several places (a learner's), reading each program's content once."""
    contents: dict[int, ProgramContent] = {}
    for enrollment in enrollments:
        program = enrollment.cohort.program
        if program.pk not in contents:
            contents[program.pk] = ProgramContent.of(program)
    facts = facts_of([enrollment.pk for enrollment in enrollments])
    return [
        assess(enrollment, contents[enrollment.cohort.program_id], facts[enrollment.pk])
        for enrollment in enrollments
    ]


def cohort_progress(cohort: Cohort, enrollments: list[Enrollment]) -> list[Progress]:
    """The progress of a page of a cohort's places, in a fixed number of queries."""
    content = ProgramContent.of(cohort.program)
    facts = facts_of([enrollment.pk for enrollment in enrollments])
    return [assess(enrollment, content, facts[enrollment.pk]) for enrollment in enrollments]


def completed(enrollment: Enrollment) -> bool:
    return enrollment.status == EnrollmentStatus.COMPLETED


def may_evaluate(enrollment: Enrollment, *, today=None) -> bool:
    """The survey opens when the learner completes, or when the cohort is over."""
    today = today or timezone.localdate()
    return completed(enrollment) or enrollment.cohort.end_date < today


@dataclass
class EvaluationSummary:
    count: int
    averages: dict[str, float]
    overall_distribution: list[int]  # how many rated 1, 2, 3, 4, 5
    lessons: list[tuple[str, float, int]]  # title, average, ratings
    comments: list[str]

    @property
    def satisfaction(self) -> float:
        """The share rating the program satisfied or better (4 or 5), in percent."""
        if not self.count:
            return 0.0
        return round(100 * sum(self.overall_distribution[3:]) / self.count, 1)


DIMENSION_LABELS = {
    "overall": gettext_lazy("总体满意度"),
    "content": gettext_lazy("内容实用性"),
    "organisation": gettext_lazy("组织服务"),
    "platform": gettext_lazy("平台使用体验"),
}


def evaluation_summary(*, program: Program, cohort: Cohort | None = None) -> EvaluationSummary:
    """The survey's results for a program, or one of its cohorts, in four queries."""
    evaluations = Evaluation.objects.filter(enrollment__cohort__program=program)
    if cohort is not None:
        evaluations = evaluations.filter(enrollment__cohort=cohort)
    totals = evaluations.aggregate(
        count=Count("pk"), **{name: Avg(name) for name in DIMENSION_LABELS}
    )
    distribution = dict(
        evaluations.values("overall").annotate(n=Count("pk")).values_list("overall", "n")
    )
    lessons = (
        LessonRating.objects.filter(evaluation__in=evaluations)
        .values("lesson__title", "lesson__position")
        .annotate(average=Avg("rating"), n=Count("pk"))
        .order_by("lesson__position", "lesson__title")
    )
    comments = list(
        evaluations.exclude(comment="")
        .order_by("-submitted_at")
        .values_list("comment", flat=True)[:50]
    )
    return EvaluationSummary(
        count=totals["count"],
        averages={name: round(totals[name] or 0, 2) for name in DIMENSION_LABELS},
        overall_distribution=[distribution.get(score, 0) for score in range(1, 6)],
        lessons=[(row["lesson__title"], round(row["average"], 2), row["n"]) for row in lessons],
        comments=comments,
    )
