"""What a learner has done, read in a fixed number of queries: her places, each part's progress
against its program's requirements, the hours earned so far and what is left to do."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Lesson, SimulationStep
from learners.models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    Essay,
    EssayStatus,
    ExamAttempt,
    LessonProgress,
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


def enrollment_progress(enrollment: Enrollment) -> Progress:
    """Each part's progress for one place, in at most eight queries whatever its size."""
    program = enrollment.cohort.program
    progress = Progress(enrollment=enrollment)

    lessons = list(Lesson.objects.filter(program=program).values("pk", "hours", "is_theory"))
    completed = set(
        LessonProgress.objects.filter(
            enrollment=enrollment, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    progress.completed_lessons = completed
    for lesson in lessons:
        if lesson["pk"] in completed:
            progress.lesson_hours += lesson["hours"]
            if lesson["is_theory"]:
                progress.lesson_theory_hours += lesson["hours"]
    if lessons:
        progress.parts.append(
            Part(
                "lessons",
                _("视频课程"),
                done=len(completed & {lesson["pk"] for lesson in lessons}),
                needed=len(lessons),
                required=program.require_all_lessons,
            )
        )

    if program.min_posts:
        posts = Post.objects.filter(enrollment=enrollment, is_hidden=False).count()
        progress.parts.append(
            Part("discussion", _("主题研讨"), done=posts, needed=program.min_posts, required=True)
        )

    if program.require_essay:
        essay = Essay.objects.filter(enrollment=enrollment).values_list("status", flat=True).first()
        progress.parts.append(
            Part(
                "essay",
                _("心得撰写"),
                done=int(essay == EssayStatus.PASSED),
                needed=1,
                required=True,
                detail=str(EssayStatus(essay).label) if essay else _("未提交"),
            )
        )

    if program.require_exam:
        attempts = list(
            ExamAttempt.objects.filter(enrollment=enrollment, submitted_at__isnull=False)
            .order_by("-score")
            .values_list("score", "passed")
        )
        best = attempts[0][0] if attempts else None
        progress.parts.append(
            Part(
                "exam",
                _("在线考试"),
                done=int(any(passed for _score, passed in attempts)),
                needed=1,
                required=True,
                detail=(
                    _("最高 %(best)s 分（及格 %(pass)s 分），已考 %(n)s / %(max)s 次")
                    % {
                        "best": best,
                        "pass": program.exam_pass_score,
                        "n": len(attempts),
                        "max": program.exam_max_attempts,
                    }
                    if attempts
                    else _("未参加（及格 %(pass)s 分）") % {"pass": program.exam_pass_score}
                ),
            )
        )

    attended = Attendance.objects.filter(enrollment=enrollment)
    totals = attended.aggregate(hours=Sum("session__hours"))
    theory = attended.filter(session__is_theory=True).aggregate(hours=Sum("session__hours"))
    progress.live_hours = totals["hours"] or ZERO
    progress.live_theory_hours = theory["hours"] or ZERO
    if program.min_live_sessions:
        progress.parts.append(
            Part(
                "live",
                _("同步直播"),
                done=attended.count(),
                needed=program.min_live_sessions,
                required=True,
            )
        )

    if program.require_simulation:
        steps = SimulationStep.objects.count()
        done = StepProgress.objects.filter(
            enrollment=enrollment, completed_at__isnull=False
        ).count()
        progress.parts.append(
            Part("simulation", _("情景模拟"), done=done, needed=steps, required=True)
        )
    return progress


def completed(enrollment: Enrollment) -> bool:
    return enrollment.status == EnrollmentStatus.COMPLETED
