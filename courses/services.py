import calendar
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from courses import catalog_2026
from courses.models import Cohort, Program, SimulationStage, SimulationStep
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
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
ERROR_STUDY_TOO_LONG = _("学习时长原则上不超过2个月：结束日期最晚为 %(latest)s。")
ERROR_OVER_PROGRAM_LIMIT = _("该班次每期最多 %(max)s 人，容量不能超过此数。")
ERROR_CAPACITY_BELOW_ENROLLED = _("该期次已有 %(enrolled)s 名学员，容量不能少于此数。")
ERROR_PROGRAM_LOCKED = _("该期次已有学员，不能更换培训班次。")
ERROR_PROGRAM_CLOSED = _("班次「%(name)s」暂不接受报名，不能新建期次。")

COHORT_FIELDS = ("program", "name", "start_date", "end_date", "capacity", "coordinator")


def cohort_validate(cohort: Cohort) -> None:
    """Every rule a cohort must keep, whoever writes it (page, API, admin).

    The model's own rules first (bounded dates, capacity, a coordinator of the academy, a unique
    name), so that the date arithmetic below only ever sees dates near today; then the notice's
    scheduling rules: at most two months of study, a workshop at most its program's limit; then
    what its enrollments require: room for them all, and the program they were placed into.
    """
    validate_instance(cohort)  # includes the end not before the start (cohort_end_after_start)
    latest = add_months(cohort.start_date, MAX_STUDY_MONTHS)
    if cohort.end_date > latest:
        message = str(ERROR_STUDY_TOO_LONG % {"latest": latest.isoformat()})
        raise ApplicationError(message, fields={"end_date": [message]})
    program = cohort.program
    if program.max_participants is not None and cohort.capacity > program.max_participants:
        message = str(ERROR_OVER_PROGRAM_LIMIT % {"max": program.max_participants})
        raise ApplicationError(message, fields={"capacity": [message]})
    if cohort.pk is None:
        if not program.is_active:
            message = str(ERROR_PROGRAM_CLOSED % {"name": program.name})
            raise ApplicationError(message, fields={"program": [message]})
        return
    enrolled = cohort.enrollments.count()
    if cohort.capacity < enrolled:
        message = str(ERROR_CAPACITY_BELOW_ENROLLED % {"enrolled": enrolled})
        raise StateConflict(message, fields={"capacity": [message]})
    if enrolled:
        current = Cohort.objects.filter(pk=cohort.pk).values_list("program_id", flat=True).get()
        if current != cohort.program_id:
            message = str(ERROR_PROGRAM_LOCKED)
            raise StateConflict(message, fields={"program": [message]})


def _lock_program(program_id: int) -> None:
    """Cohorts and their program's limit change one at a time: each write locks the program."""
    list(Program.objects.select_for_update().filter(pk=program_id).values_list("pk"))


def _check_academy(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))


ERROR_NOT_ACADEMY = _("只有学院项目负责人可以安排期次。")


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
    _check_academy(by)
    cohort = Cohort(
        program=program,
        name=name,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        coordinator=coordinator,
    )
    _lock_program(program.pk)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.create", target=cohort)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by: User, data: dict) -> Cohort:
    """Change a cohort's schedule, capacity, name or coordinator; locked, so that a placement
    running at the same time cannot slip under a capacity being lowered."""
    _check_academy(by)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    changed = [
        name for name in COHORT_FIELDS if name in data and getattr(cohort, name) != data[name]
    ]
    for name in changed:
        setattr(cohort, name, data[name])
    _lock_program(cohort.program_id)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.change", target=cohort, details={"changed": changed})
    return cohort


ERROR_LIMIT_BELOW_COHORT = _("该班次已有容量为 %(capacity)s 的期次，人数上限不能低于此数。")


def program_validate(program: Program) -> None:
    """A program keeps the model's rules, and its limit holds every cohort already scheduled."""
    validate_instance(program)
    if program.pk is None or program.max_participants is None:
        return
    largest = program.cohorts.aggregate(largest=Max("capacity"))["largest"]
    if largest is not None and largest > program.max_participants:
        message = str(ERROR_LIMIT_BELOW_COHORT % {"capacity": largest})
        raise StateConflict(message, fields={"max_participants": [message]})


@transaction.atomic
def program_save(*, program: Program, by: User, changed: list[str]) -> Program:
    """Create or change a program of the catalog (the academy edits it in the admin)."""
    _check_academy(by)
    created = program.pk is None
    if not created:  # cohorts being scheduled wait (_lock_program), so the limit holds them all
        _lock_program(program.pk)
    program_validate(program)
    program.save()
    audit_record(
        actor=by,
        action=f"program.{'create' if created else 'change'}",
        target=program,
        details={"changed": changed},
    )
    return program
