"""The scenario simulation (党务情景模拟): the 25 steps of party-member development, done in order.

A decision step is done when the learner picks its right option (a wrong one shows why and counts
a try); a document step when her draft is long enough and mentions every required point. A done
step is final: answering it again changes nothing. The pages' reads are in
``learners.simulation_selectors``.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from courses.models import SimulationOption, SimulationStep, TaskKind
from learners.models import Enrollment, StepProgress
from learners.services.completion import enrollment_complete_if_met, require_study_open
from learners.simulation_selectors import first_unfinished_step
from portal.errors import ApplicationError, StateConflict

ERROR_NO_SIMULATION = gettext_lazy("本班次不含情景模拟。")
ERROR_ORDER = gettext_lazy("请先完成第 %(n)s 步。")
ERROR_NO_OPTION = gettext_lazy("请选择本步骤的一个做法。")
ERROR_DOCUMENT_EMPTY = gettext_lazy("请先起草文书再提交。")
ERROR_DOCUMENT_INVALID = gettext_lazy("文书%(problem)s")
ERROR_DOCUMENT_SHORT = gettext_lazy(
    "文书内容还不够：除模板原有文字外至少要写 %(min)s 个字，现在是 %(n)s 个字。"
)
ERROR_DOCUMENT_MISSING = gettext_lazy("文书还没有写到以下要点：%(points)s。")
DOCUMENT_DONE = gettext_lazy("文书已通过：要点齐全。")

KEYWORD_SEPARATORS = re.compile(r"[、,，;；]")


def step_keywords(step: SimulationStep) -> list[str]:
    return [k.strip() for k in KEYWORD_SEPARATORS.split(step.document_keywords) if k.strip()]


def document_length(document: str, template: str) -> int:
    """Characters the learner wrote: not whitespace, and not on a line left as the template has it."""
    template_lines = {line.strip() for line in template.splitlines() if line.strip()}
    return sum(
        len("".join(line.split()))
        for line in document.splitlines()
        if line.strip() not in template_lines
    )


def document_problems(step: SimulationStep, document: str) -> list[str]:
    """Why ``document`` does not yet do the step's task (none: it passes)."""
    problems = []
    written = document_length(document, step.document_template)
    if written < step.document_min_chars:
        problems.append(str(ERROR_DOCUMENT_SHORT % {"min": step.document_min_chars, "n": written}))
    compact = "".join(document.split())
    missing = [k for k in step_keywords(step) if "".join(k.split()) not in compact]
    if missing:
        problems.append(str(ERROR_DOCUMENT_MISSING % {"points": "、".join(missing)}))
    return problems


@dataclass
class StepAnswer:
    """What the page shows after an answer."""

    completed: bool
    feedback: str = ""
    already_done: bool = False
    problems: list[str] = field(default_factory=list)
    next_number: int | None = None


def _next_number(step: SimulationStep) -> int | None:
    return (
        SimulationStep.objects.filter(number__gt=step.number)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )


def _clean_document(document: str) -> str:
    text = document.replace("\r\n", "\n").strip()
    if not text:
        raise ApplicationError(
            str(ERROR_DOCUMENT_EMPTY), fields={"document": [str(ERROR_DOCUMENT_EMPTY)]}
        )
    try:
        StepProgress._meta.get_field("document").run_validators(text)
    except ValidationError as error:
        message = str(ERROR_DOCUMENT_INVALID % {"problem": "".join(error.messages)})
        raise ApplicationError(message, fields={"document": [message]}) from error
    return text


@transaction.atomic
def simulation_answer(
    *,
    enrollment: Enrollment,
    step: SimulationStep,
    choice: SimulationOption | None = None,
    document: str = "",
) -> StepAnswer:
    """Answer ``step`` for ``enrollment``: a choice for a decision step, a draft for a document step.

    The enrollment is locked, so two answers of the same learner (two tabs, a double click) are
    judged one after the other; the row per step is unique in the database besides. Refuses a step
    after the first unfinished one, and anything outside the cohort's dates. A wrong choice or a
    draft that falls short is not an error: it comes back with its feedback and counts a try.
    """
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("cohort__program")
        .get(pk=enrollment.pk)
    )
    if not enrollment.cohort.program.require_simulation:
        raise StateConflict(str(ERROR_NO_SIMULATION))
    require_study_open(enrollment)
    progress = StepProgress.objects.filter(enrollment=enrollment, step=step).first()
    if progress is not None and progress.completed_at is not None:
        return StepAnswer(
            completed=True,
            already_done=True,
            feedback=_done_feedback(progress),
            next_number=_next_number(step),
        )
    first = first_unfinished_step(enrollment)
    if first is not None and step.number > first.number:
        raise StateConflict(str(ERROR_ORDER % {"n": first.number}))

    values: dict[str, object]
    if step.task_kind == TaskKind.DOCUMENT:
        text = _clean_document(document)
        problems = document_problems(step, text)
        answer = StepAnswer(
            completed=not problems,
            feedback=" ".join(problems) if problems else str(DOCUMENT_DONE),
            problems=problems,
        )
        values = {"document": text}
    else:
        if choice is None or choice.step_id != step.pk:
            raise ApplicationError(str(ERROR_NO_OPTION), fields={"choice": [str(ERROR_NO_OPTION)]})
        answer = StepAnswer(completed=choice.is_correct, feedback=choice.feedback)
        values = {"choice": choice}

    if progress is None:
        progress, _created = StepProgress.objects.get_or_create(enrollment=enrollment, step=step)
    now = timezone.now()
    StepProgress.objects.filter(pk=progress.pk).update(
        tries=F("tries") + 1, completed_at=now if answer.completed else None, **values
    )
    if answer.completed:
        answer.next_number = _next_number(step)
        enrollment_complete_if_met(enrollment_id=enrollment.pk)
    return answer


def _done_feedback(progress: StepProgress) -> str:
    if progress.choice_id is not None:
        return progress.choice.feedback if progress.choice else ""
    return str(DOCUMENT_DONE)
