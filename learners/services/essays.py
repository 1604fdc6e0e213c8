"""Reflection essays (心得撰写): the learner writes, submits, and revises when it is returned; a
coordinator passes or returns it with a comment.

States: draft → submitted → passed (final) or returned → (revised) submitted → … A submitted essay
is frozen until a coordinator grades it; grading locks the row, so two coordinators never both
grade one submission.

An essay can only be saved or submitted during the cohort's study period, so every essay waiting
in the queue was submitted in time; it may be graded after the cohort's end (the coordinator may
be late), but, as nothing can be earned after the end, passing it then no longer completes the
enrollment (``enrollment_complete_if_met`` refuses outside the study period).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.models import Enrollment, Essay, EssayStatus
from learners.services.completion import enrollment_complete_if_met, require_study_open
from learners.services.discussion import visible_length
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record

ERROR_NOT_REQUIRED = _("本班次不要求撰写心得。")
ERROR_TOO_SHORT = _(
    "心得正文至少需要 %(min)s 字（不计空格和换行），目前只有 %(n)s 字，还差 %(left)s 字。"
)
ERROR_WAITING = _("心得已提交，正在等待批阅，批阅前不能修改。")
ERROR_FINAL = _("心得已通过批阅，不能再修改。")
ERROR_NOT_REVIEWER = _("只有学院项目负责人可以批阅心得。")
ERROR_NOT_SUBMITTED = _("这篇心得当前不是待批阅状态（%(status)s），不能批阅。")
ERROR_ALREADY_REVIEWED = _("这篇心得已由 %(who)s 批阅（%(status)s），不能重复批阅。请刷新队列。")
ERROR_RESUBMITTED = _("这篇心得在您打开后已被批阅并重新提交，请重新阅读后再批阅。")
ERROR_COMMENT_REQUIRED = _("退回修改时请写明批阅意见，告诉学员需要如何修改。")


def essay_length(body: str) -> int:
    """The essay's length as its requirement counts it: characters, not counting blanks."""
    return visible_length(body)


@transaction.atomic
def essay_save(*, enrollment: Enrollment, title: str, body: str, submit: bool) -> Essay:
    """Save the learner's essay as a draft, or submit it for grading.

    The enrollment row is locked first, so that two saves of the same learner (two tabs, a double
    click) run one after the other and the one-essay-per-enrollment row is created once.
    """
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("cohort__program", "learner")
        .get(pk=enrollment.pk)
    )
    program = enrollment.cohort.program
    if not program.require_essay:
        raise ApplicationError(str(ERROR_NOT_REQUIRED))
    require_study_open(enrollment)
    essay = Essay.objects.filter(enrollment=enrollment).first() or Essay(enrollment=enrollment)
    if essay.status == EssayStatus.SUBMITTED:
        raise StateConflict(str(ERROR_WAITING))
    if essay.status == EssayStatus.PASSED:
        raise StateConflict(str(ERROR_FINAL))

    essay.title = (title or "").strip()
    essay.body = (body or "").strip()
    validate_instance(essay, exclude=["enrollment"])
    if submit:
        length = essay_length(essay.body)
        needed = program.essay_min_chars
        if length < needed:
            message = str(ERROR_TOO_SHORT % {"min": needed, "n": length, "left": needed - length})
            raise ApplicationError(message, fields={"body": [message]})
        essay.status = EssayStatus.SUBMITTED
        essay.submitted_at = timezone.now()
        essay.revision += 1
    essay.save()
    if submit:
        audit_record(
            actor=enrollment.learner,
            action="essay.submit",
            target=essay,
            details={"revision": essay.revision, "length": essay_length(essay.body)},
        )
    return essay


@transaction.atomic
def essay_review(
    *, essay: Essay, by: User, passed: bool, comment: str, revision: int | None = None
) -> Essay:
    """Pass or return a submitted essay; returning it needs a comment that says what to change.

    ``revision`` is the submission the coordinator read (the review page sends it back): if the
    essay was graded and resubmitted meanwhile, she is asked to read the new text first.
    """
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_REVIEWER))
    essay = (
        Essay.objects.select_for_update(of=("self",)).select_related("reviewed_by").get(pk=essay.pk)
    )
    if essay.status != EssayStatus.SUBMITTED:
        if essay.reviewed_by is not None and essay.status in (
            EssayStatus.PASSED,
            EssayStatus.RETURNED,
        ):
            raise StateConflict(
                str(
                    ERROR_ALREADY_REVIEWED
                    % {
                        "who": essay.reviewed_by.display_name,
                        "status": EssayStatus(essay.status).label,
                    }
                )
            )
        raise StateConflict(str(ERROR_NOT_SUBMITTED % {"status": EssayStatus(essay.status).label}))
    if revision is not None and essay.revision != revision:
        # Graded and resubmitted between the coordinator opening it and grading it.
        raise StateConflict(str(ERROR_RESUBMITTED))
    comment = (comment or "").strip()
    if not passed and not comment:
        raise ApplicationError(
            str(ERROR_COMMENT_REQUIRED), fields={"comment": [str(ERROR_COMMENT_REQUIRED)]}
        )
    essay.status = EssayStatus.PASSED if passed else EssayStatus.RETURNED
    essay.comment = comment
    essay.reviewed_by = by
    essay.reviewed_at = timezone.now()
    validate_instance(essay, exclude=["enrollment"])
    essay.save(update_fields=["status", "comment", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=by,
        action="essay.pass" if passed else "essay.return",
        target=essay,
        comment=comment,
        details={"revision": essay.revision},
    )
    if passed:
        enrollment_complete_if_met(enrollment_id=essay.enrollment_id)
    return essay
