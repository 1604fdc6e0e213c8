"""My study (我的学习): the learner's places, each part's progress, and what is left; and the
satisfaction survey at the end of a cohort."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.selectors import certificate_states
from learners.forms import EvaluationForm
from learners.models import Enrollment, Evaluation, HourReminder, Learner
from learners.selectors import (
    enrollment_progress,
    learner_enrollments,
    may_evaluate,
    own_enrollment,
    places_progress,
    study_open,
)
from learners.services.evaluation import evaluation_submit
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error
from portal.models import Role


@login_required
def my_study(request):
    if not access.has_role(request.user, Role.LEARNER):
        raise PermissionDenied
    today = timezone.localdate()
    enrollments = list(learner_enrollments(learner=request.user).order_by("-cohort__start_date"))
    certificates = certificate_states(enrollments=enrollments)
    places = [
        (
            progress.enrollment,
            progress,
            (progress.enrollment.cohort.end_date - today).days,
            certificates[progress.enrollment.pk],
        )
        for progress in places_progress(enrollments)
    ]
    return render(
        request,
        "learners/my_study.html",
        {
            "places": places,
            "today": today,
            "has_record": Learner.objects.filter(user_id=request.user.pk).exists(),
            "reminder": HourReminder.objects.select_related("institution")
            .filter(
                learner__user_id=request.user.pk,
                created_at__gte=timezone.now() - datetime.timedelta(days=30),
            )
            .first(),
        },
    )


def enrollment_or_404(request, pk: int) -> Enrollment:
    """The signed-in learner's own place ``pk``; anyone else's, or none, is not found."""
    try:
        return own_enrollment(user=request.user, pk=pk)
    except Enrollment.DoesNotExist:
        raise Http404 from None


@login_required
def enrollment_detail(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    return render(
        request,
        "learners/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "progress": enrollment_progress(enrollment),
            "open": study_open(enrollment),
            "today": timezone.localdate(),
            "may_evaluate": may_evaluate(enrollment),
            "evaluated": Evaluation.objects.filter(enrollment=enrollment).exists(),
            "has_live": enrollment.cohort.live_sessions.exists(),
        },
    )


@login_required
def evaluation(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    if not may_evaluate(enrollment):
        messages.info(request, _("结业后或期次结束后才能填写满意度测评。"))
        return redirect("learners:enrollment-detail", pk=pk)
    if Evaluation.objects.filter(enrollment=enrollment).exists():
        messages.info(request, _("您已提交过本期次的满意度测评。"))
        return redirect("learners:enrollment-detail", pk=pk)
    lessons = list(enrollment.cohort.program.lessons.all())
    form = EvaluationForm(request.POST or None, lessons=lessons)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation_submit(
                enrollment=enrollment,
                ratings=form.ratings(),
                lesson_ratings=form.lesson_ratings(),
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("感谢您完成满意度测评。"))
            return redirect("learners:enrollment-detail", pk=pk)
    return render(
        request, "learners/evaluation_form.html", {"enrollment": enrollment, "form": form}
    )


urlpatterns = [
    path("study/", my_study, name="my-study"),
    path("study/<int:pk>/", enrollment_detail, name="enrollment-detail"),
    path("study/<int:pk>/evaluation/", evaluation, name="evaluation"),
]
