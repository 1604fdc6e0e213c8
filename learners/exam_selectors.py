"""What the exam pages read: a place's attempts and what is left, and an attempt's paper (its
questions, choices and what she chose) in a fixed number of queries whatever its length.

The right answers leave the server only for a closed attempt, and only once the learner can no
longer sit the exam again (she passed, or used every attempt): ``attempt_paper(reveal=...)``.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from courses.models import Cohort, Program, QuestionKind
from learners.models import Enrollment, ExamAttempt
from learners.selectors import study_open
from learners.services.exams import cohort_day_end


@dataclass
class ExamOverview:
    enrollment: Enrollment
    program: Program
    closed: list[ExamAttempt] = field(default_factory=list)
    open_attempt: ExamAttempt | None = None
    study_open: bool = False
    deadline_capped: bool = False  # a start now would end at the cohort's last midnight

    @property
    def used(self) -> int:
        return len(self.closed) + (self.open_attempt is not None)

    @property
    def left(self) -> int:
        return max(0, self.program.exam_max_attempts - self.used)

    @property
    def best(self) -> int | None:
        return max((a.score for a in self.closed if a.score is not None), default=None)

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.closed)

    @property
    def can_start(self) -> bool:
        return (
            self.program.require_exam
            and self.study_open
            and self.open_attempt is None
            and not self.passed
            and self.left > 0
        )

    @property
    def reveals_answers(self) -> bool:
        """Right answers are shown once she cannot sit the exam again."""
        return self.open_attempt is None and (self.passed or self.left == 0)


def exam_overview(enrollment: Enrollment) -> ExamOverview:
    """A place's exam: its attempts (one query), what is left, whether she may start."""
    program = enrollment.cohort.program
    overview = ExamOverview(enrollment=enrollment, program=program)
    for attempt in ExamAttempt.objects.filter(enrollment=enrollment).order_by("number"):
        if attempt.submitted_at is None:
            overview.open_attempt = attempt
        else:
            overview.closed.append(attempt)
    overview.study_open = study_open(enrollment)
    limit = timedelta(minutes=program.exam_time_limit_minutes)
    overview.deadline_capped = timezone.now() + limit > cohort_day_end(enrollment)
    return overview


def own_attempt(*, enrollment: Enrollment, pk: int) -> ExamAttempt:
    """Attempt ``pk`` of this place (raises DoesNotExist for anybody else's)."""
    attempt = ExamAttempt.objects.get(pk=pk, enrollment=enrollment)
    attempt.enrollment = enrollment
    return attempt


@dataclass
class PaperChoice:
    pk: int
    text: str
    chosen: bool
    is_correct: bool | None  # None: not revealed


@dataclass
class PaperQuestion:
    number: int
    question_id: int
    kind: str
    kind_label: str
    text: str
    choices: list[PaperChoice]
    is_correct: bool | None  # None while the attempt is open
    explanation: str = ""  # only with the answers revealed

    @property
    def multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE

    @property
    def answered(self) -> bool:
        return any(choice.chosen for choice in self.choices)


def _choice_order(attempt: ExamAttempt, question_id: int, kind: str, choices: list) -> list:
    """Choices in an order fixed for this attempt: shuffled per attempt, but the same on every
    reload; 正确/错误 keep their order."""
    if kind == QuestionKind.TRUE_FALSE:
        return choices
    shuffled = list(choices)
    # Not a secret: the order reveals nothing about which choice is right.
    random.Random(f"{attempt.pk}:{question_id}").shuffle(shuffled)  # noqa: S311
    return shuffled


def attempt_paper(attempt: ExamAttempt, *, reveal: bool = False) -> list[PaperQuestion]:
    """The attempt's questions in order, in three queries whatever their number.

    While the attempt is open nothing on it says which answer is right; once it is closed each
    question says whether she got it right, and with ``reveal`` the right choices too.
    """
    closed = attempt.submitted_at is not None
    show_answers = closed and reveal
    answers = (
        attempt.answers.select_related("question")
        .prefetch_related("question__choices", "chosen")
        .order_by("position")
    )
    paper = []
    for answer in answers:
        question = answer.question
        chosen = {choice.pk for choice in answer.chosen.all()}
        choices = [
            PaperChoice(
                pk=choice.pk,
                text=choice.text,
                chosen=choice.pk in chosen,
                is_correct=choice.is_correct if show_answers else None,
            )
            for choice in question.choices.all()
        ]
        paper.append(
            PaperQuestion(
                number=answer.position,
                question_id=question.pk,
                kind=question.kind,
                kind_label=str(QuestionKind(question.kind).label),
                text=question.text,
                choices=_choice_order(attempt, question.pk, question.kind, choices),
                is_correct=answer.is_correct if closed else None,
                explanation=question.explanation if show_answers else "",
            )
        )
    return paper


def cohort_exam_results(*, cohort: Cohort) -> QuerySet[Enrollment]:
    """Each place of a cohort with its exam: attempts handed in, best score, passed (one query)."""
    closed = Q(attempts__submitted_at__isnull=False)
    return (
        cohort.enrollments.select_related("learner", "institution")
        .annotate(
            exam_attempts=Count("attempts", filter=closed),
            exam_best=Max("attempts__score", filter=closed),
            exam_passed=Count("attempts", filter=closed & Q(attempts__passed=True)),
        )
        .order_by("institution__name", "learner__full_name", "pk")
    )


def cohort_exam_summary(*, cohort: Cohort) -> dict:
    """How the cohort did: places, who sat the exam, who passed, the pass rate over all places and
    the average of each one's best score (four queries whatever its size)."""
    places = cohort.enrollments.count()
    closed = ExamAttempt.objects.filter(enrollment__cohort=cohort, submitted_at__isnull=False)
    best = list(
        closed.values("enrollment").annotate(best=Max("score")).values_list("best", flat=True)
    )
    passed = closed.filter(passed=True).values("enrollment").distinct().count()
    return {
        "places": places,
        "sat": len(best),
        "passed": passed,
        "pass_rate": round(100 * passed / places) if places else 0,
        "average": round(sum(b or 0 for b in best) / len(best)) if best else None,
    }
