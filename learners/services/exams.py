"""The online exam (在线考试测评): an attempt draws its questions at random from the program's bank,
keeps the learner's answers while it is open, and is graded by the server once, when she hands it
in or when its time runs out, whether she comes back or not.

Every write of one learner's exam locks her enrollment row first, then the attempt: a double click
never opens two attempts or grades one twice, and the database holds the same line with
``exam_attempt_one_open`` and ``exam_attempt_unique_number``.
"""

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Choice, Question, QuestionKind
from learners.models import AttemptAnswer, Enrollment, ExamAttempt
from learners.services.completion import enrollment_complete_if_met, require_study_open
from portal.errors import ApplicationError, StateConflict
from portal.services import audit_record

# Answers sent this long after the deadline still count: the network may have held them up.
GRACE = timedelta(seconds=30)

ERROR_NO_EXAM = _("本班次不设在线考试。")
ERROR_ALREADY_PASSED = _("你已通过本班次的考试，无需再考。")
ERROR_NO_ATTEMPTS_LEFT = _("本班次的考试最多可参加 %(max)s 次，你的考试次数已用完。")
ERROR_NOT_READY = _("本班次的考试尚未准备就绪，暂时不能开始。请稍后再试，或联系学院项目负责人。")
ERROR_TIME_UP = _("考试时间已到，试卷已按截止时已保存的答案评分，此后提交的答案不再计入。")
ERROR_ALREADY_SUBMITTED = _("本次考试已交卷，不能再作答或重复交卷。")
ERROR_FOREIGN_QUESTION = _("提交的答案中有不属于本次考试的试题，请刷新页面后重试。")
ERROR_FOREIGN_CHOICE = _("提交的答案中有不属于该题的选项，请刷新页面后重试。")
ERROR_ONE_CHOICE = _("第 %(number)s 题只能选择一个答案。")


def cohort_day_end(enrollment: Enrollment) -> datetime:
    """The end of the cohort's last day (midnight after it), in the portal's time zone."""
    last = enrollment.cohort.end_date + timedelta(days=1)
    return timezone.make_aware(datetime.combine(last, time.min))


def attempt_expired(attempt: ExamAttempt, *, now: datetime | None = None) -> bool:
    """An open attempt whose time, with the grace for the network, has run out."""
    now = now or timezone.now()
    return attempt.submitted_at is None and now > attempt.deadline + GRACE


def _lock_enrollment(enrollment_id: int) -> Enrollment:
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("cohort__program")
        .get(pk=enrollment_id)
    )


def _lock_attempt(attempt: ExamAttempt) -> ExamAttempt:
    """Lock the learner's enrollment, then the attempt (always in that order)."""
    enrollment = _lock_enrollment(attempt.enrollment_id)
    locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
    locked.enrollment = enrollment
    return locked


def exam_start(*, enrollment: Enrollment) -> ExamAttempt:
    """Open an attempt, or return the one already open: starting twice never opens two.

    An attempt whose time has run out is graded first (in its own transaction, so that a refusal
    below never undoes it)."""
    exam_close_expired_for(enrollment=enrollment)
    try:
        with transaction.atomic():
            return _exam_start(enrollment)
    except IntegrityError:
        # Another request opened one between our check and our insert (only possible where the
        # enrollment lock does not hold): hers is the attempt.
        opened = ExamAttempt.objects.filter(enrollment=enrollment, submitted_at__isnull=True)
        attempt = opened.first()
        if attempt is None:
            raise
        return attempt


def _exam_start(enrollment: Enrollment) -> ExamAttempt:
    enrollment = _lock_enrollment(enrollment.pk)
    program = enrollment.cohort.program
    require_study_open(enrollment)
    if not program.require_exam:
        raise StateConflict(str(ERROR_NO_EXAM))
    attempts = list(ExamAttempt.objects.filter(enrollment=enrollment).order_by("number"))
    for attempt in attempts:
        if attempt.submitted_at is None:
            if attempt_expired(attempt):  # ran out a moment ago: graded, and shown as it is
                attempt.enrollment = enrollment
                _grade(attempt, submitted_at=attempt.deadline, by=None)
            return attempt
    if any(attempt.passed for attempt in attempts):
        raise StateConflict(str(ERROR_ALREADY_PASSED))
    if len(attempts) >= program.exam_max_attempts:
        raise StateConflict(str(ERROR_NO_ATTEMPTS_LEFT % {"max": program.exam_max_attempts}))
    bank = list(
        Question.objects.filter(program=program, is_active=True).values_list("pk", flat=True)
    )
    if len(bank) < program.exam_question_count:
        raise StateConflict(str(ERROR_NOT_READY))
    drawn = random.SystemRandom().sample(bank, program.exam_question_count)
    now = timezone.now()
    attempt = ExamAttempt.objects.create(
        enrollment=enrollment,
        number=max((a.number for a in attempts), default=0) + 1,
        started_at=now,
        deadline=min(
            now + timedelta(minutes=program.exam_time_limit_minutes), cohort_day_end(enrollment)
        ),
    )
    AttemptAnswer.objects.bulk_create(
        AttemptAnswer(attempt=attempt, question_id=pk, position=number)
        for number, pk in enumerate(drawn, start=1)
    )
    audit_record(
        actor=enrollment.learner,
        action="exam.start",
        target=attempt,
        details={"enrollment": enrollment.pk, "number": attempt.number},
    )
    return attempt


def exam_close_expired(attempt: ExamAttempt) -> ExamAttempt:
    """Grade an attempt whose time has run out, with the answers saved so far; call it whenever an
    attempt is loaded. Returns the attempt as it now stands (unchanged if still open or closed)."""
    if not attempt_expired(attempt):
        return attempt
    with transaction.atomic():
        locked = _lock_attempt(attempt)
        if attempt_expired(locked):
            _grade(locked, submitted_at=locked.deadline, by=None)
    return locked


def _refuse_closed(attempt: ExamAttempt) -> None:
    if attempt.submitted_at is not None:
        if timezone.now() > attempt.deadline + GRACE:
            raise StateConflict(str(ERROR_TIME_UP))
        raise StateConflict(str(ERROR_ALREADY_SUBMITTED))


def exam_save_answers(*, attempt: ExamAttempt, answers: Mapping[int, Sequence[int]]) -> None:
    """Keep what the learner has chosen so far (autosave). ``answers`` maps a question id of the
    attempt to the chosen choice ids; questions not named keep their saved answer."""
    attempt = exam_close_expired(attempt)
    with transaction.atomic():
        locked = _lock_attempt(attempt)
        _refuse_closed(locked)
        _store_answers(locked, answers)


def exam_submit(
    *, attempt: ExamAttempt, answers: Mapping[int, Sequence[int]] | None = None
) -> ExamAttempt:
    """Hand the attempt in: save the last answers, grade it, and complete the enrollment if this
    met its last requirement. A second submission is refused; an attempt is graded once."""
    attempt = exam_close_expired(attempt)
    with transaction.atomic():
        locked = _lock_attempt(attempt)
        _refuse_closed(locked)
        if answers:
            _store_answers(locked, answers)
        _grade(locked, submitted_at=timezone.now(), by=locked.enrollment.learner)
    return locked


def _store_answers(attempt: ExamAttempt, answers: Mapping[int, Sequence[int]]) -> None:
    rows = {
        question_id: (pk, position, kind)
        for pk, question_id, position, kind in attempt.answers.values_list(
            "pk", "question_id", "position", "question__kind"
        )
    }
    owner = dict(
        Choice.objects.filter(question_id__in=list(rows))
        .order_by()
        .values_list("pk", "question_id")
    )
    chosen: dict[int, set[int]] = {}
    for question_id, choice_ids in answers.items():
        if question_id not in rows:
            raise ApplicationError(str(ERROR_FOREIGN_QUESTION))
        ids = set(choice_ids)
        if any(owner.get(choice_id) != question_id for choice_id in ids):
            raise ApplicationError(str(ERROR_FOREIGN_CHOICE))
        _pk, position, kind = rows[question_id]
        if kind != QuestionKind.MULTIPLE and len(ids) > 1:
            raise ApplicationError(str(ERROR_ONE_CHOICE % {"number": position}))
        chosen[rows[question_id][0]] = ids
    through = AttemptAnswer.chosen.through
    through.objects.filter(attemptanswer_id__in=list(chosen)).delete()
    through.objects.bulk_create(
        through(attemptanswer_id=answer_id, choice_id=choice_id)
        for answer_id, ids in chosen.items()
        for choice_id in sorted(ids)
    )


def _grade(attempt: ExamAttempt, *, submitted_at: datetime, by) -> None:
    """Grade by the server: a question is right when the chosen set is exactly the right set.
    Call with the attempt locked and open."""
    answers = list(attempt.answers.all())
    chosen: dict[int, set[int]] = defaultdict(set)
    for answer_id, choice_id in AttemptAnswer.chosen.through.objects.filter(
        attemptanswer__attempt=attempt
    ).values_list("attemptanswer_id", "choice_id"):
        chosen[answer_id].add(choice_id)
    correct: dict[int, set[int]] = defaultdict(set)
    for question_id, choice_id in (
        Choice.objects.filter(
            question_id__in=[answer.question_id for answer in answers], is_correct=True
        )
        .order_by()
        .values_list("question_id", "pk")
    ):
        correct[question_id].add(choice_id)
    right = 0
    for answer in answers:
        answer.is_correct = (
            bool(chosen[answer.pk]) and chosen[answer.pk] == correct[answer.question_id]
        )
        right += answer.is_correct
    AttemptAnswer.objects.bulk_update(answers, ["is_correct"])
    total = len(answers)
    program = attempt.enrollment.cohort.program
    attempt.score = (200 * right + total) // (2 * total) if total else 0  # rounded half up
    attempt.passed = attempt.score >= program.exam_pass_score
    attempt.submitted_at = submitted_at
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    audit_record(
        actor=by,
        action="exam.submit" if by is not None else "exam.expire",
        target=attempt,
        details={
            "enrollment": attempt.enrollment_id,
            "score": attempt.score,
            "passed": attempt.passed,
            "right": right,
            "total": total,
        },
    )
    enrollment_complete_if_met(enrollment_id=attempt.enrollment_id)


def exam_close_expired_for(*, enrollment: Enrollment) -> None:
    """Close every attempt of this place whose time has run out (before showing her exam)."""
    for attempt in ExamAttempt.objects.filter(enrollment=enrollment, submitted_at__isnull=True):
        exam_close_expired(attempt)
