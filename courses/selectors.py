from django.db.models import QuerySet

from courses.models import Program, SimulationStage


def program_list(*, active_only: bool = True) -> QuerySet[Program]:
    programs = Program.objects.all()
    if active_only:
        programs = programs.filter(is_active=True)
    return programs.order_by("position", "id")


def simulation_stages() -> QuerySet[SimulationStage]:
    return SimulationStage.objects.prefetch_related("steps").order_by("number")
