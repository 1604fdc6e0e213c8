from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.forms import CohortForm, PlaceLineForm, QuestionImportForm
from courses.models import Category, Cohort, Program
from courses.selectors import (
    cohort_list,
    placeable_line,
    placeable_lines,
    program_list,
    simulation_stages,
)
from courses.services import (
    QUESTION_IMPORT_MAX_ROWS,
    cohort_create,
    question_bank_import,
    question_template_xlsx,
)
from enrollment import exports
from learners.services import cohort_place_line
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error


def catalog(request):
    programs = list(program_list())
    sections = {}
    for program in programs:
        sections.setdefault(program.get_series_display(), []).append(program)
    return render(request, "courses/catalog.html", {"sections": sections})


def program_detail(request, code: str):
    program = get_object_or_404(program_list(), code=code)
    stages = simulation_stages() if program.category == Category.SIMULATION else None
    return render(request, "courses/program_detail.html", {"program": program, "stages": stages})


def _academy_only(request):
    if not access.is_academy(request.user):
        raise PermissionDenied


@login_required
def cohort_list_view(request):
    _academy_only(request)
    page = Paginator(cohort_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "courses/cohort_list.html", {"page": page})


@login_required
def cohort_create_view(request):
    _academy_only(request)
    form = CohortForm(request.POST or None, initial={"coordinator": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            cohort = cohort_create(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("期次已创建。"))
            return redirect("courses:cohort-detail", pk=cohort.pk)
    return render(request, "courses/cohort_form.html", {"form": form})


def _cohort_or_404(request, pk: int) -> Cohort:
    _academy_only(request)
    return get_object_or_404(cohort_list(user=request.user), pk=pk)


@login_required
def cohort_detail_view(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    enrollments = cohort.enrollments.select_related("institution", "learner__learner")
    page = Paginator(enrollments.order_by("institution__name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/cohort_detail.html",
        {
            "cohort": cohort,
            "page": page,
            "lines": placeable_lines(user=request.user, cohort=cohort),
            "left": cohort.capacity - cohort.enrolled,
        },
    )


@login_required
@require_POST
def cohort_place_view(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    form = PlaceLineForm(request.POST)
    line_pk = form.cleaned_data["line"] if form.is_valid() else None
    try:
        line = placeable_line(user=request.user, cohort=cohort, pk=line_pk)
        placed = cohort_place_line(cohort=cohort, line=line, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已将 %(school)s 的 %(n)s 人编入本期次。")
            % {"school": line.receipt.institution.name, "n": placed},
        )
    return redirect("courses:cohort-detail", pk=pk)


@login_required
def cohort_export_view(request, pk: int):
    return exports.cohort_xlsx(_cohort_or_404(request, pk))


# ---- question bank import ----

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def question_import_view(request, code: str):
    """The academy imports a program's exam questions from a spreadsheet, all rows or none."""
    _academy_only(request)
    program = get_object_or_404(Program, code=code)
    form = QuestionImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = QuestionImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = question_bank_import(
                    program=program, file=form.cleaned_data["file"], by=request.user
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _("已导入 %(added)s 道试题；%(skipped)s 道题库中已有，已跳过。")
                        % {"added": result.added, "skipped": result.skipped},
                    )
                    return redirect("courses:question-import", code=program.code)
                errors = [str(error) for error in result.errors]
        status = 400
    return render(
        request,
        "courses/question_import.html",
        {
            "program": program,
            "form": form,
            "errors": errors,
            "bank_size": program.questions.count(),
            "max_rows": QUESTION_IMPORT_MAX_ROWS,
        },
        status=status,
    )


@login_required
def question_template_view(request, code: str):
    _academy_only(request)
    program = get_object_or_404(Program, code=code)
    response = HttpResponse(question_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="question-bank-{program.code}.xlsx"'
    return response
