"""The academy's view of a cohort's study: who finished which part, and what learners thought."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import path

from courses.models import Program
from courses.selectors import cohort_list
from learners.models import EnrollmentStatus
from learners.selectors import DIMENSION_LABELS, cohort_progress, evaluation_summary
from portal import access

STATUS_FILTERS = {
    "completed": EnrollmentStatus.COMPLETED,
    "in_progress": EnrollmentStatus.IN_PROGRESS,
}


def _cohort_or_404(request, pk: int):
    if not access.is_academy(request.user):
        raise PermissionDenied
    return get_object_or_404(cohort_list(user=request.user).select_related("program"), pk=pk)


@login_required
def cohort_progress_view(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    enrollments = cohort.enrollments.select_related("learner__learner", "institution").order_by(
        "institution__name", "learner__full_name", "pk"
    )
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        enrollments = enrollments.filter(status=STATUS_FILTERS[status])
    counts = {
        "total": cohort.enrollments.count(),
        "completed": cohort.enrollments.filter(status=EnrollmentStatus.COMPLETED).count(),
    }
    page = Paginator(enrollments, 50).get_page(request.GET.get("page"))
    rows = cohort_progress(cohort, list(page.object_list))
    keys = [(part.key, part.label) for part in rows[0].parts] if rows else []
    return render(
        request,
        "learners/cohort_progress.html",
        {
            "cohort": cohort,
            "page": page,
            "rows": rows,
            "part_keys": keys,
            "counts": counts,
            "status": status,
            "query": f"status={status}" if status in STATUS_FILTERS else "",
        },
    )


def _chart_data(summary) -> dict:
    return {
        "dimensions": [str(label) for label in DIMENSION_LABELS.values()],
        "averages": list(summary.averages.values()),
        "distribution": summary.overall_distribution,
        "lessons": [title for title, _average, _n in summary.lessons],
        "lessonAverages": [average for _title, average, _n in summary.lessons],
    }


@login_required
def cohort_evaluation_view(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    summary = evaluation_summary(program=cohort.program, cohort=cohort)
    return render(
        request,
        "learners/evaluation_results.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "summary": summary,
            "labels": DIMENSION_LABELS,
            "chart": _chart_data(summary),
        },
    )


@login_required
def program_evaluation_view(request, pk: int):
    if not access.is_academy(request.user):
        raise PermissionDenied
    program = get_object_or_404(Program, pk=pk)
    summary = evaluation_summary(program=program)
    return render(
        request,
        "learners/evaluation_results.html",
        {
            "program": program,
            "summary": summary,
            "labels": DIMENSION_LABELS,
            "chart": _chart_data(summary),
            "cohorts": cohort_list(user=request.user).filter(program=program),
        },
    )


urlpatterns = [
    path("cohorts/<int:pk>/progress/", cohort_progress_view, name="cohort-progress"),
    path("cohorts/<int:pk>/evaluation/", cohort_evaluation_view, name="cohort-evaluation"),
    path("programs/<int:pk>/evaluation/", program_evaluation_view, name="program-evaluation"),
]
