"""My study (我的学习): the learner's places, each part's progress, and what is left."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from learners.models import Enrollment
from learners.selectors import enrollment_progress, learner_enrollments, own_enrollment, study_open
from portal import access
from portal.models import Role


@login_required
def my_study(request):
    if not access.has_role(request.user, Role.LEARNER):
        raise PermissionDenied
    places = [
        (enrollment, enrollment_progress(enrollment))
        for enrollment in learner_enrollments(learner=request.user).order_by("-cohort__start_date")
    ]
    return render(request, "learners/my_study.html", {"places": places})


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
        },
    )


urlpatterns = [
    path("study/", my_study, name="my-study"),
    path("study/<int:pk>/", enrollment_detail, name="enrollment-detail"),
]
