"""The satisfaction survey (满意度测评) a learner fills in at the end of a cohort."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.models import Lesson
from learners.models import Enrollment, Evaluation, LessonRating
from learners.selectors import may_evaluate
from portal.errors import ApplicationError, StateConflict, validate_instance

ERROR_NOT_YET = _("结业后或期次结束后才能填写满意度测评。")
ERROR_TWICE = _("您已提交过本期次的满意度测评。")
ERROR_LESSONS = _("请为本班次的每门课程各评一次分。")


def evaluation_submit(
    *,
    enrollment: Enrollment,
    ratings: dict[str, int],
    lesson_ratings: dict[int, int],
    comment: str = "",
) -> Evaluation:
    """Record the survey once: every rating within the scale, every lesson of the program rated
    once; a second survey for the same place is refused."""
    if not may_evaluate(enrollment):
        raise StateConflict(ERROR_NOT_YET)
    lessons = set(
        Lesson.objects.filter(program_id=enrollment.cohort.program_id).values_list("pk", flat=True)
    )
    if set(lesson_ratings) != lessons:
        raise ApplicationError(ERROR_LESSONS)
    evaluation = Evaluation(enrollment=enrollment, comment=comment.strip(), **ratings)
    validate_instance(evaluation, exclude=["enrollment"])
    rows = [LessonRating(lesson_id=pk, rating=value) for pk, value in lesson_ratings.items()]
    for row in rows:
        validate_instance(row, exclude=["evaluation", "lesson"])
    try:
        with transaction.atomic():
            evaluation.save()
            for row in rows:
                row.evaluation = evaluation
            LessonRating.objects.bulk_create(rows)
    except IntegrityError:
        raise StateConflict(ERROR_TWICE) from None
    return evaluation
