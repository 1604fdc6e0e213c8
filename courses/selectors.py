from django.db.models import Count, QuerySet

from courses.models import Cohort, Program, SimulationStage
from enrollment.models import Receipt, ReceiptLine, ReceiptStatus
from portal import access


def program_list(*, active_only: bool = True) -> QuerySet[Program]:
    programs = Program.objects.all()
    if active_only:
        programs = programs.filter(is_active=True)
    return programs.order_by("position", "id")


def simulation_stages() -> QuerySet[SimulationStage]:
    return SimulationStage.objects.prefetch_related("steps").order_by("number")


def cohort_list(*, user) -> QuerySet[Cohort]:
    return access.scope(
        user,
        Cohort.objects.select_related("program", "coordinator").annotate(
            enrolled=Count("enrollments")
        ),
    ).order_by("-start_date", "-id")


def placeable_lines(*, user, cohort: Cohort) -> QuerySet[ReceiptLine]:
    """Approved receipt lines of the cohort's program, not yet placed, that ``user`` may see."""
    receipts = access.scope(user, Receipt.objects.filter(status=ReceiptStatus.APPROVED))
    return (
        ReceiptLine.objects.filter(
            receipt__in=receipts, program_id=cohort.program_id, cohort__isnull=True
        )
        .select_related("receipt__institution")
        .order_by("receipt__submitted_at", "pk")
    )
