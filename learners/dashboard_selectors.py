"""The hour dashboards: where a school's people stand against their requirement, who is behind, and
how the cohorts it enrolled people in are going; a province sees the same per school, an academy
desk per school of the desk.

Everything costs a fixed number of queries however many people there are: one grouped query sums
every person's period hours, the standing of each comes from ``hour_selectors.standing_for`` (the
one rule), and one grouped query counts the places per cohort.

"Behind schedule" for a cohort: places still in progress when the cohort has ended or ends within
``ENDING_SOON_DAYS`` days.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from enrollment.models import Institution
from learners.hour_selectors import Standing, plan_period, standing_for
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
    return Learner.objects.filter(user__institution__in=dashboard_schools(user))


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


def people_hours(people: QuerySet[Learner], *, today=None) -> list[PersonHours]:
    """Each person's period total and theory total (one grouped query) and her standing."""
    today = today or timezone.localdate()
    start, end = plan_period()
    in_period = Q(
        hour_entries__completed_on__gte=datetime.date(start, 1, 1),
        hour_entries__completed_on__lte=datetime.date(end, 12, 31),
    )
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=7, decimal_places=1))
    rows = (
        people.order_by("name", "pk")
        .values_list(  # grouped by these columns only
            "pk", "name", "id_masked", "user__institution_id", "hour_category", "hour_exempt"
        )
        .annotate(
            period_total=Coalesce(Sum("hour_entries__hours", filter=in_period), zero),
            period_theory=Coalesce(Sum("hour_entries__theory_hours", filter=in_period), zero),
        )
    )
    result = []
    # The rule is pure: people with the same requirement and total stand alike (many do).
    known: dict[tuple, tuple[str, Decimal | None, Decimal | None]] = {}
    for pk, name, masked, school_id, category, exempt, total, theory in rows:
        key = (category, exempt, total)
        rule = known.get(key)
        if rule is None:
            rule = known[key] = standing_for(
                category=category, exempt=exempt, total=total, today=today
            )
        result.append(
            PersonHours(pk, name, masked, school_id, category, exempt, total, theory, *rule)
        )
    return result


def standing_counts(people: list[PersonHours]) -> dict[str, int]:
    counts = Counter(person.standing for person in people)
    return {standing: counts.get(standing, 0) for standing in STANDINGS}


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
    behind schedule (in progress while the cohort has ended or ends within 7 days). One query."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=ENDING_SOON_DAYS)
    in_progress = Q(status=EnrollmentStatus.IN_PROGRESS)
    rows = (
        access.scope(user, Enrollment.objects.all())
        .filter(institution__in=dashboard_schools(user))
        .values(
            "cohort_id",
            "cohort__name",
            "cohort__program__name",
            "cohort__start_date",
            "cohort__end_date",
        )
        .annotate(
            enrolled=Count("pk"),
            in_progress=Count("pk", filter=in_progress),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
            behind=Count("pk", filter=in_progress & Q(cohort__end_date__lte=soon)),
        )
        .order_by("-cohort__start_date", "cohort_id")
    )
    return [
        CohortRow(
            pk=row["cohort_id"],
            name=row["cohort__name"],
            program=row["cohort__program__name"],
            start_date=row["cohort__start_date"],
            end_date=row["cohort__end_date"],
            enrolled=row["enrolled"],
            in_progress=row["in_progress"],
            completed=row["completed"],
            behind_schedule=row["behind"],
        )
        for row in rows
    ]


@dataclass
class SchoolRow:
    pk: int
    name: str
    people: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class HoursDashboard:
    scope: str  # "school", "province" or "desk" (an administrator sees every school as a desk)
    people: list[PersonHours]
    counts: dict[str, int]
    behind: list[PersonHours]
    cohorts: list[CohortRow]
    schools: list[SchoolRow]

    @property
    def total(self) -> int:
        return len(self.people)


def hours_dashboard(user: User, *, today=None) -> HoursDashboard:
    """The dashboard of a school, a province or a desk, in three queries whatever its size."""
    today = today or timezone.localdate()
    people = people_hours(dashboard_people(user), today=today)
    schools = {
        pk: SchoolRow(pk=pk, name=name, counts=dict.fromkeys(STANDINGS, 0))
        for pk, name in dashboard_schools(user)
        .order_by("province__code", "name")
        .values_list("pk", "name")
    }
    for person in people:
        row = schools.get(person.school_id)
        if row is not None:
            person.school_name = row.name
            row.people += 1
            row.counts[person.standing] += 1
    if access.has_role(user, Role.INSTITUTION_STAFF):
        kind = "school"
    elif access.has_role(user, Role.PROVINCIAL_COORDINATOR):
        kind = "province"
    else:
        kind = "desk"
    return HoursDashboard(
        scope=kind,
        people=people,
        counts=standing_counts(people),
        behind=[person for person in people if person.standing == Standing.BEHIND],
        cohorts=cohort_rows(user, today=today),
        schools=list(schools.values()),
    )


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
