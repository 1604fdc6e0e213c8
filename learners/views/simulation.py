"""The scenario simulation: the map of the five stages and one step at a time."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from courses.models import SimulationOption, SimulationStep, TaskKind
from learners.selectors import study_open
from learners.services.simulation import simulation_answer
from learners.simulation_selectors import (
    CURRENT,
    DONE,
    LOCKED,
    simulation_map,
    simulation_step_state,
)
from learners.views.study import enrollment_or_404
from portal.errors import ApplicationError


def _simulation_enrollment(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    if not enrollment.cohort.program.require_simulation:
        raise Http404
    return enrollment


@login_required
def simulation(request, pk: int):
    enrollment = _simulation_enrollment(request, pk)
    return render(
        request,
        "learners/simulation_map.html",
        {
            "enrollment": enrollment,
            "map": simulation_map(enrollment),
            "open": study_open(enrollment),
        },
    )


def _chosen_option(request) -> SimulationOption | None:
    raw = request.POST.get("choice", "")
    if not raw.isdigit():
        return None
    return SimulationOption.objects.filter(pk=int(raw)).first()


@login_required
def simulation_step(request, pk: int, number: int):
    enrollment = _simulation_enrollment(request, pk)
    try:
        page = simulation_step_state(enrollment, number)
    except SimulationStep.DoesNotExist:
        raise Http404 from None
    if page.state == LOCKED:
        messages.info(
            request, _("请按顺序完成各步骤：先完成第 %(n)s 步。") % {"n": page.current_number}
        )
        return redirect("learners:simulation-step", pk=pk, number=page.current_number)
    answer = error = None
    document = page.progress.document if page.progress else page.step.document_template
    chosen = page.progress.choice_id if page.progress else None
    status = 200
    if request.method == "POST" and page.state != DONE:
        document = request.POST.get("document", "")[:6000]
        option = _chosen_option(request)
        chosen = option.pk if option else None
        try:
            answer = simulation_answer(
                enrollment=enrollment, step=page.step, choice=option, document=document
            )
        except ApplicationError as refused:
            error, status = refused.message, refused.status
        else:
            if answer.completed:
                messages.success(request, _("第 %(n)s 步已完成。") % {"n": page.step.number})
                return redirect("learners:simulation-step", pk=pk, number=page.step.number)
    return render(
        request,
        "learners/simulation_step.html",
        {
            "enrollment": enrollment,
            "page": page,
            "step": page.step,
            "answer": answer,
            "error": error,
            "document": document,
            "chosen": chosen,
            "is_document": page.step.task_kind == TaskKind.DOCUMENT,
            "done": page.state == DONE,
            "current": page.state == CURRENT,
            "open": study_open(enrollment),
        },
        status=status,
    )


urlpatterns = [
    path("study/<int:pk>/simulation/", simulation, name="simulation"),
    path("study/<int:pk>/simulation/<int:number>/", simulation_step, name="simulation-step"),
]
