"""The hour dashboards: where a school's people stand against their requirement, who is behind, and
how the cohorts it enrolled people in are going; a province sees the same per school, an academy
desk per school of the desk.

Everything costs a fixed number of queries however many people there are, and the work stays in
the database: one grouped query counts the people per school and standing (the standing computed in
SQL by ``hour_selectors.standing_expression``, which is ``standing_for`` itself), the people behind
are read a page at a time, and one grouped query counts the places per cohort. Only the .xlsx export
reads every person.

"Behind schedule" for a cohort: places still in progress when the cohort has ended or ends within
``ENDING_SOON_DAYS`` days.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.db.models import Count, QuerySet
from django.utils import timezone

from enrollment.models import Institution
from learners.hour_selectors import (
    Standing,
    behind_condition,
    standing_for,
    with_standing,
)
from learners.models import Enrollment, EnrollmentStatus, HourCategory, Learner
from portal import access
from portal.models import Role, User

ENDING_SOON_DAYS = 7
STANDINGS = [Standing.MET, Standing.ON_TRACK, Standing.BEHIND, Standing.EXEMPT, Standing.NONE]
CATEGORY_LABELS = dict(HourCategory.choices)


def may_see_dashboard(user) -> bool:
    return access.is_admin(user) or access.has_role(
        user, Role.INSTITUTION_STAFF, Role.PROVINCIAL_COORDINATOR, Role.ACADEMY_COORDINATOR
    )


def dashboard_schools(user) -> QuerySet[Institution]:
    """The schools whose people the user oversees: her school, her province's, her desk's."""
    if not may_see_dashboard(user):
        return Institution.objects.none()
    return access.scope(user, Institution.objects.all())


def dashboard_people(user) -> QuerySet[Learner]:
    """The people whose current school (``user.institution``) is one the user oversees; a school
    never sees a person who has moved to another school here (her history stays in its cohorts)."""
    condition = access.through_institution(user, "user__institution")
    if condition is None or not may_see_dashboard(user):
        return Learner.objects.none()
    return Learner.objects.filter(condition, user__institution__isnull=False)


@dataclass(slots=True)
class PersonHours:
    pk: int
    name: str
    id_masked: str
    school_id: int
    category: str
    exempt: bool
    total: Decimal
    theory: Decimal
    standing: str
    required: Decimal | None
    due: Decimal | None
    school_name: str = ""

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def standing_label(self) -> str:
        return str(Standing.LABELS[self.standing])


PERSON_COLUMNS = (
    "pk",
    "name",
    "id_masked",
    "user__institution_id",
    "user__institution__name",
    "hour_category",
    "hour_exempt",
    "period_hours",
    "period_theory_hours",
)


def _person_hours(row: tuple, *, today) -> PersonHours:
    pk, name, masked, school_id, school_name, category, exempt, total, theory = row
    rule = standing_for(category=category, exempt=exempt, total=total, today=today)
    return PersonHours(
        pk, name, masked, school_id, category, exempt, total, theory, *rule, school_name
    )


def people_hours(people: QuerySet[Learner], *, today=None) -> list[PersonHours]:
    """Each person with her plan-period totals and her standing, in name order: one query."""
    today = today or timezone.localdate()
    rows = people.order_by("name", "pk").values_list(*PERSON_COLUMNS)
    return [_person_hours(row, today=today) for row in rows]


class BehindPeople(Sequence[PersonHours]):
    """The people behind, in name order, for a ``Paginator``: how many is known from the counts;
    a page of them is one query."""

    def __init__(self, people: QuerySet[Learner], *, count: int, today) -> None:
        self._people = people
        self._count = count
        self._today = today

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[PersonHours]:
        return iter(self[:])

    @overload
    def __getitem__(self, index: int) -> PersonHours: ...
    @overload
    def __getitem__(self, index: slice) -> list[PersonHours]: ...
    def __getitem__(self, index: int | slice) -> PersonHours | list[PersonHours]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        rows = (
            self._people.filter(behind_condition(total="period_hours", today=self._today))
            .order_by("name", "pk")
            .values_list(*PERSON_COLUMNS)[index]
        )
        return [_person_hours(row, today=self._today) for row in rows]


def standing_counts_by_school(people: QuerySet[Learner], *, today) -> dict[int, dict[str, int]]:
    """Per school, how many of its people stand where: one grouped query, the standing computed
    in SQL by the one rule."""
    annotated: Any = with_standing(people, today=today)
    rows = (
        annotated.order_by().values_list("user__institution_id", "standing").annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = {}
    for school_id, standing, n in rows:
        counts.setdefault(school_id, dict.fromkeys(STANDINGS, 0))[standing] = n
    return counts


@dataclass
class CohortRow:
    pk: int
    name: str
    program: str
    start_date: datetime.date
    end_date: datetime.date
    enrolled: int
    in_progress: int
    completed: int
    behind_schedule: int


def cohort_rows(user, *, today=None) -> list[CohortRow]:
    """Per cohort, the places made by the user's schools: enrolled, in progress, completed, and
    behind schedule (in progress while the cohort has ended or ends within 7 days). One query,
    counting places per cohort and status."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=ENDING_SOON_DAYS)
    schools = access.through_institution(user, "institution")
    if schools is None or not may_see_dashboard(user):
        return []
    counted = (
        access.scope(user, Enrollment.objects.all())
        .filter(schools)
        .values_list(
            "cohort_id",
            "cohort__name",
            "cohort__program__name",
            "cohort__start_date",
            "cohort__end_date",
            "status",
        )
        .annotate(n=Count("pk"))
        .order_by("-cohort__start_date", "cohort_id")
    )
    rows: dict[int, CohortRow] = {}
    for pk, name, program, start_date, end_date, status, n in counted:
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = CohortRow(pk, name, program, start_date, end_date, 0, 0, 0, 0)
        row.enrolled += n
        if status == EnrollmentStatus.COMPLETED:
            row.completed += n
        elif status == EnrollmentStatus.IN_PROGRESS:
            row.in_progress += n
            if end_date <= soon:
                row.behind_schedule += n
    return list(rows.values())


@dataclass
class SchoolRow:
    pk: int
    name: str
    people: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class HoursDashboard:
    scope: str  # "school", "province" or "desk" (an administrator sees every school as a desk)
    counts: dict[str, int]
    behind: BehindPeople
    cohorts: list[CohortRow]
    schools: list[SchoolRow]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def hours_dashboard(user: User, *, today=None) -> HoursDashboard:
    """The dashboard of a school, a province or a desk, in a fixed number of queries whatever its
    size (the people behind are read when a page of them is). A school's own dashboard lists no
    schools: it is the one."""
    today = today or timezone.localdate()
    people = dashboard_people(user)
    by_school = standing_counts_by_school(people, today=today)
    if access.has_role(user, Role.INSTITUTION_STAFF):
        kind = "school"
    elif access.has_role(user, Role.PROVINCIAL_COORDINATOR):
        kind = "province"
    else:
        kind = "desk"
    schools = []
    if kind != "school":
        schools = [
            SchoolRow(pk=pk, name=name, counts=by_school.get(pk, dict.fromkeys(STANDINGS, 0)))
            for pk, name in dashboard_schools(user)
            .order_by("province__code", "name")
            .values_list("pk", "name")
        ]
        for row in schools:
            row.people = sum(row.counts.values())
    counts = dict.fromkeys(STANDINGS, 0)
    for school_counts in by_school.values():
        for standing, n in school_counts.items():
            counts[standing] += n
    return HoursDashboard(
        scope=kind,
        counts=counts,
        behind=BehindPeople(people, count=counts[Standing.BEHIND], today=today),
        cohorts=cohort_rows(user, today=today),
        schools=schools,
    )


def dashboard_people_hours(user: User, *, today=None) -> list[PersonHours]:
    """Every person the user oversees with her hours and standing, with her school's name (the
    .xlsx export): one query."""
    return people_hours(dashboard_people(user), today=today)


def overseen_person(user, pk: int) -> Learner | None:
    """A person of one of the user's schools (today), or None."""
    return dashboard_people(user).select_related("user__institution").filter(pk=pk).first()


def may_correct(user, person: Learner) -> bool:
    """Her school's staff and the academy correct her requirement; her province only reads."""
    if access.is_academy(user):
        return True
    return access.has_role(user, Role.INSTITUTION_STAFF) and (
        user.institution_id == person.user.institution_id
    )
