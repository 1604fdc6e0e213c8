"""What the simulation pages read: the map of the five stages (done, current, locked) and one
step as the learner meets it, each in a fixed number of queries."""

from dataclasses import dataclass

from courses.models import SimulationOption, SimulationStage, SimulationStep
from learners.models import Enrollment, StepProgress


def first_unfinished_step(enrollment: Enrollment) -> SimulationStep | None:
    """The step she must do next (steps are done in order); None when all are done."""
    done = StepProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False)
    return SimulationStep.objects.exclude(pk__in=done.values("step_id")).order_by("number").first()


DONE, CURRENT, LOCKED = "done", "current", "locked"


@dataclass
class StepState:
    step: SimulationStep
    state: str
    tries: int = 0


@dataclass
class StageState:
    stage: SimulationStage
    steps: list[StepState]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.state == DONE)


@dataclass
class SimulationMap:
    stages: list[StageState]
    done: int
    total: int
    current: StepState | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return bool(self.total) and self.done == self.total


def simulation_map(enrollment: Enrollment) -> SimulationMap:
    """The five stages with each step done, current (the first unfinished) or locked: 3 queries."""
    progress = {
        step_id: (completed_at, tries)
        for step_id, completed_at, tries in StepProgress.objects.filter(
            enrollment=enrollment
        ).values_list("step_id", "completed_at", "tries")
    }
    stages = list(SimulationStage.objects.prefetch_related("steps").order_by("number"))
    result: list[StageState] = []
    current = None
    done = total = 0
    for stage in stages:
        states = []
        for step in sorted(stage.steps.all(), key=lambda s: s.number):
            completed_at, tries = progress.get(step.pk, (None, 0))
            total += 1
            if completed_at is not None:
                state = StepState(step, DONE, tries)
                done += 1
            elif current is None:
                state = current = StepState(step, CURRENT, tries)
            else:
                state = StepState(step, LOCKED, tries)
            states.append(state)
        result.append(StageState(stage, states))
    return SimulationMap(stages=result, done=done, total=total, current=current)


@dataclass
class StepPage:
    step: SimulationStep
    state: str
    options: list[SimulationOption]
    progress: StepProgress | None
    current_number: int | None
    next_number: int | None
    previous_number: int | None


def simulation_step_state(enrollment: Enrollment, number: int) -> StepPage:
    """One step as the learner meets it; raises SimulationStep.DoesNotExist for no such step."""
    step = SimulationStep.objects.select_related("stage").get(number=number)
    first = first_unfinished_step(enrollment)
    progress = (
        StepProgress.objects.select_related("choice")
        .filter(enrollment=enrollment, step=step)
        .first()
    )
    if progress is not None and progress.completed_at is not None:
        state = DONE
    elif first is not None and first.pk == step.pk:
        state = CURRENT
    else:
        state = LOCKED
    numbers = list(SimulationStep.objects.order_by("number").values_list("number", flat=True))
    index = numbers.index(step.number)
    return StepPage(
        step=step,
        state=state,
        options=list(step.options.order_by("position", "pk")),
        progress=progress,
        current_number=first.number if first is not None else None,
        next_number=numbers[index + 1] if index + 1 < len(numbers) else None,
        previous_number=numbers[index - 1] if index else None,
    )
