import calendar
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from courses import catalog_2026
from courses.models import Cohort, Program, SimulationStage, SimulationStep
from portal.errors import ApplicationError
from portal.models import User
from portal.services import audit_record


@transaction.atomic
def catalog_load() -> int:
    """Load the 2026 catalog where it is missing; returns how many programs were created."""
    return catalog_2026.load_into(Program, SimulationStage, SimulationStep)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


MAX_STUDY_MONTHS = 2
ERROR_END_BEFORE_START = _("结束日期不能早于开始日期。")
ERROR_STUDY_TOO_LONG = _("学习时长原则上不超过2个月：结束日期最晚为 %(latest)s。")
ERROR_OVER_PROGRAM_LIMIT = _("该班次每期最多 %(max)s 人，容量不能超过此数。")
ERROR_CAPACITY = _("容量须为正整数。")


@transaction.atomic
def cohort_create(
    *,
    program: Program,
    name: str,
    start_date: date,
    end_date: date,
    capacity: int,
    coordinator: User | None,
    by: User,
) -> Cohort:
    cohort_validate(program=program, start_date=start_date, end_date=end_date, capacity=capacity)
    cohort = Cohort.objects.create(
        program=program,
        name=name,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        coordinator=coordinator,
    )
    audit_record(actor=by, action="cohort.create", target=cohort)
    return cohort


def cohort_validate(*, program: Program, start_date: date, end_date: date, capacity: int) -> None:
    """The scheduling rules of the notice: at most two months of study, workshops at most 50."""
    if end_date < start_date:
        raise ApplicationError(str(ERROR_END_BEFORE_START))
    latest = add_months(start_date, MAX_STUDY_MONTHS)
    if end_date > latest:
        raise ApplicationError(str(ERROR_STUDY_TOO_LONG % {"latest": latest.isoformat()}))
    if capacity <= 0:
        raise ApplicationError(str(ERROR_CAPACITY))
    if program.max_participants is not None and capacity > program.max_participants:
        raise ApplicationError(str(ERROR_OVER_PROGRAM_LIMIT % {"max": program.max_participants}))
