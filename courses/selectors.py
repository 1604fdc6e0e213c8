from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Program, SimulationStage
from enrollment.models import Receipt, ReceiptLine, ReceiptStatus
from portal import access
from portal.errors import ApplicationError

ERROR_NO_PLACEABLE_LINE = _(
    "找不到可编入的回执班次：须为本期次班次的、已通过审核且尚未编班的回执班次。"
)


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


def placeable_line(*, user, cohort: Cohort, pk: int | None) -> ReceiptLine:
    """One line ``user`` may place into ``cohort``; refuses (naming the line) any other."""
    line = placeable_lines(user=user, cohort=cohort).filter(pk=pk).first() if pk else None
    if line is None:
        message = str(ERROR_NO_PLACEABLE_LINE)
        raise ApplicationError(message, fields={"line": [message]})
    return line
