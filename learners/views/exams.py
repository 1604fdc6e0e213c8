"""The online exam (在线考试测评): its rules and past attempts, an open attempt's paper with a
countdown and autosave, the result of a closed attempt, and a cohort's results for the academy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from courses.selectors import cohort_list
from learners.exam_selectors import (
    attempt_paper,
    cohort_exam_results,
    cohort_exam_summary,
    exam_overview,
    own_attempt,
)
from learners.models import Enrollment, ExamAttempt
from learners.services.exams import (
    exam_close_expired,
    exam_close_expired_for,
    exam_save_answers,
    exam_start,
    exam_submit,
)
from learners.views.study import enrollment_or_404
from portal import access
from portal.errors import ApplicationError, StateConflict

ERROR_BAD_ANSWER = gettext_lazy("提交的答案格式不正确，请刷新页面后重试。")


@login_required
@require_http_methods(["GET", "POST"])
def exam_view(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    if request.method == "POST":
        try:
            attempt = exam_start(enrollment=enrollment)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("learners:exam", pk=pk)
        return redirect("learners:exam-attempt", pk=pk, attempt=attempt.pk)
    exam_close_expired_for(enrollment=enrollment)
    return render(
        request,
        "learners/exam.html",
        {"enrollment": enrollment, "exam": exam_overview(enrollment)},
    )


def _attempt_or_404(enrollment: Enrollment, pk: int) -> ExamAttempt:
    try:
        return exam_close_expired(own_attempt(enrollment=enrollment, pk=pk))
    except ExamAttempt.DoesNotExist:
        raise Http404 from None


def _posted_answers(post, question_ids: list[int]) -> dict[int, list[int]]:
    """Every question of the attempt with the choices ticked (none: an empty list), so that
    unticking every box of a question clears its saved answer."""
    try:
        return {qid: [int(value) for value in post.getlist(f"q{qid}")] for qid in question_ids}
    except ValueError:
        raise ApplicationError(str(ERROR_BAD_ANSWER)) from None


@login_required
@require_http_methods(["GET", "POST"])
def exam_attempt_view(request, pk: int, attempt: int):
    enrollment = enrollment_or_404(request, pk)
    exam = _attempt_or_404(enrollment, attempt)
    result_url = reverse("learners:exam-result", args=[pk, exam.pk])
    if request.method == "POST":
        autosave = request.POST.get("autosave") == "1"
        try:
            question_ids = list(exam.answers.values_list("question_id", flat=True))
            answers = _posted_answers(request.POST, question_ids)
            if autosave:
                exam_save_answers(attempt=exam, answers=answers)
                saved_at = timezone.localtime().strftime("%H:%M:%S")
                return JsonResponse({"saved": True, "saved_at": saved_at})
            exam_submit(attempt=exam, answers=answers)
        except ApplicationError as error:
            closed = isinstance(error, StateConflict)
            if autosave:
                body = {"message": error.message, "result": result_url if closed else ""}
                return JsonResponse(body, status=error.status)
            messages.error(request, error.message)
            return redirect(result_url if closed else request.path)
        messages.success(request, _("已交卷，以下是本次考试的成绩。"))
        return redirect(result_url)
    if exam.submitted_at is not None:
        return redirect(result_url)
    remaining = max(0, int((exam.deadline - timezone.now()).total_seconds()))
    return render(
        request,
        "learners/exam_attempt.html",
        {
            "enrollment": enrollment,
            "attempt": exam,
            "paper": attempt_paper(exam),
            "remaining": remaining,
            "result_url": result_url,
        },
    )


@login_required
def exam_result_view(request, pk: int, attempt: int):
    enrollment = enrollment_or_404(request, pk)
    exam = _attempt_or_404(enrollment, attempt)
    if exam.submitted_at is None:
        messages.info(request, _("本次考试尚未结束，交卷后才能查看成绩。"))
        return redirect("learners:exam-attempt", pk=pk, attempt=exam.pk)
    overview = exam_overview(enrollment)
    paper = attempt_paper(exam, reveal=overview.reveals_answers)
    return render(
        request,
        "learners/exam_result.html",
        {
            "enrollment": enrollment,
            "attempt": exam,
            "exam": overview,
            "wrong": [question for question in paper if not question.is_correct],
            "total": len(paper),
        },
    )


@login_required
def cohort_exam_view(request, pk: int):
    if not access.is_academy(request.user):
        raise PermissionDenied
    cohort = get_object_or_404(cohort_list(user=request.user).select_related("program"), pk=pk)
    page = Paginator(cohort_exam_results(cohort=cohort), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "learners/exam_cohort.html",
        {"cohort": cohort, "page": page, "summary": cohort_exam_summary(cohort=cohort)},
    )


urlpatterns = [
    path("study/<int:pk>/exam/", exam_view, name="exam"),
    path("study/<int:pk>/exam/<int:attempt>/", exam_attempt_view, name="exam-attempt"),
    path("study/<int:pk>/exam/<int:attempt>/result/", exam_result_view, name="exam-result"),
    path("cohorts/<int:pk>/exam-results/", cohort_exam_view, name="cohort-exam"),
]
