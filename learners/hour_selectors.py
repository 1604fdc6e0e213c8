"""A person's hours against the national requirement: totals per year and for the plan period,
the theory share, secretaries' yearly off-job hours, and whether she is on track."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.models import HourCategory, HourEntry, HourSource, Learner

ZERO = Decimal("0")
# Hours over the plan period, by category (002_…: 160 h for members, 280 h for secretaries).
PERIOD_HOURS = {HourCategory.MEMBER: Decimal("160"), HourCategory.SECRETARY: Decimal("280")}
SECRETARY_OFF_JOB_PER_YEAR = Decimal("40")
THEORY_SHARE = Decimal("0.5")


class Standing:
    EXEMPT = "exempt"
    NONE = "none"
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"

    LABELS = {
        EXEMPT: _("免于要求"),
        NONE: _("不作要求"),
        MET: _("已达标"),
        ON_TRACK: _("进度正常"),
        BEHIND: _("进度落后"),
    }


@dataclass
class Year:
    year: int
    hours: Decimal = ZERO
    theory_hours: Decimal = ZERO
    off_job_hours: Decimal = ZERO


@dataclass
class Transcript:
    learner: Learner
    entries: list[HourEntry]
    years: list[Year] = field(default_factory=list)
    period: tuple[int, int] = (2024, 2028)
    total: Decimal = ZERO
    theory: Decimal = ZERO
    required: Decimal | None = None
    expected_by_now: Decimal = ZERO
    standing: str = Standing.NONE

    @property
    def standing_label(self) -> str:
        return str(Standing.LABELS[self.standing])

    @property
    def theory_share(self) -> int:
        return round(100 * self.theory / self.total) if self.total else 0

    @property
    def theory_short(self) -> bool:
        return bool(self.total) and self.theory < self.total * THEORY_SHARE

    @property
    def percent(self) -> int:
        if not self.required:
            return 0
        return min(100, round(100 * self.total / self.required))

    @property
    def off_job_short_years(self) -> list[int]:
        """Past and current years of a secretary's period short of 40 h of off-job training."""
        if self.learner.hour_category != HourCategory.SECRETARY or self.learner.hour_exempt:
            return []
        return [y.year for y in self.years if y.off_job_hours < SECRETARY_OFF_JOB_PER_YEAR]


def plan_period() -> tuple[int, int]:
    return settings.HOUR_PLAN_START_YEAR, settings.HOUR_PLAN_END_YEAR


def ledger_entries(learner: Learner) -> QuerySet[HourEntry]:
    return HourEntry.objects.filter(learner=learner).order_by("-completed_on", "-id")


def transcript(learner: Learner, *, today=None) -> Transcript:
    """Her transcript in one query (her entries)."""
    today = today or timezone.localdate()
    start, end = plan_period()
    entries = list(ledger_entries(learner))
    report = Transcript(learner=learner, entries=entries, period=(start, end))
    last = min(max(today.year, start), end)
    years = {year: Year(year) for year in range(start, last + 1)}
    for entry in entries:
        year = years.get(entry.completed_on.year)
        if year is None:
            continue
        year.hours += entry.hours
        year.theory_hours += entry.theory_hours
        if entry.source == HourSource.OFF_JOB:
            year.off_job_hours += entry.hours
        report.total += entry.hours
        report.theory += entry.theory_hours
    report.years = [years[y] for y in sorted(years)]
    report.standing, report.required, due = standing_for(
        category=learner.hour_category, exempt=learner.hour_exempt, total=report.total, today=today
    )
    report.expected_by_now = due or ZERO
    return report


def standing_for(
    *, category: str, exempt: bool, total: Decimal, today
) -> tuple[str, Decimal | None, Decimal | None]:
    """The one rule of where a person stands: (standing, hours required over the period, hours due
    by now). Exempt and uncategorised people have no requirement; otherwise "due by now" is a steady
    share of the requirement for every year of the period begun."""
    if exempt:
        return Standing.EXEMPT, None, None
    required = PERIOD_HOURS.get(HourCategory(category))
    if required is None:
        return Standing.NONE, None, None
    start, end = plan_period()
    years_begun = max(0, min(today.year, end) - start + 1)
    due = required * years_begun / (end - start + 1)
    if total >= required:
        return Standing.MET, required, due
    if total >= due:
        return Standing.ON_TRACK, required, due
    return Standing.BEHIND, required, due


HOURS_FIELD = DecimalField(max_digits=9, decimal_places=1)


def standing_expression(*, total: str, today) -> Case:
    """``standing_for`` in SQL, on a ``Learner`` queryset annotated with her period ``total``: the
    thresholds are read off ``standing_for`` itself for each category, so the two cannot drift
    apart (a test compares them on every side of every threshold)."""
    whens = [When(hour_exempt=True, then=Value(Standing.EXEMPT))]
    for category in PERIOD_HOURS:
        _, required, due = standing_for(category=category, exempt=False, total=ZERO, today=today)
        whens += [
            When(
                Q(hour_category=category, **{f"{total}__gte": required}),
                then=Value(Standing.MET),
            ),
            When(
                Q(hour_category=category, **{f"{total}__gte": due}),
                then=Value(Standing.ON_TRACK),
            ),
            When(hour_category=category, then=Value(Standing.BEHIND)),
        ]
    return Case(*whens, default=Value(Standing.NONE), output_field=CharField())


def behind_condition(*, total: str, today) -> Q:
    """Who stands ``Standing.BEHIND`` as a plain condition (cheaper to filter on than the whole
    ``standing_expression``), read off ``standing_for`` in the same way."""
    condition = Q(pk__in=[])
    for category in PERIOD_HOURS:
        _, required, due = standing_for(category=category, exempt=False, total=ZERO, today=today)
        below = min(due or ZERO, required or ZERO)  # both set: the category has a requirement
        condition |= Q(hour_category=category, **{f"{total}__lt": below})
    return Q(hour_exempt=False) & condition


def with_standing(people: QuerySet[Learner], *, today) -> QuerySet[Learner]:
    """People annotated with their ``standing`` (from their plan-period totals)."""
    return people.annotate(standing=standing_expression(total="period_hours", today=today))
