import django_filters
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from courses.models import Program
from enrollment.models import (
    Institution,
    Province,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptTransition,
    RosterEntry,
)
from portal import access
from portal.models import Desk, User


def institution_list(*, user: User) -> QuerySet[Institution]:
    """The institutions ``user`` may see, with their province, in catalog order."""
    return access.scope(user, Institution.objects.select_related("province"))


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("code")


def receipt_list(*, user: User) -> QuerySet[Receipt]:
    """Receipts ``user`` may see, with what a list shows, in a fixed number of queries."""
    return (
        access.scope(
            user,
            Receipt.objects.select_related("institution__province").annotate(
                total_participants=Sum("lines__participants")
            ),
        )
        .prefetch_related(Prefetch("lines", queryset=ReceiptLine.objects.select_related("program")))
        .order_by("-created_at", "-id")
    )


def receipt_detail(*, user: User, pk: int) -> Receipt:
    """One receipt with its lines, history and roster, or Receipt.DoesNotExist when out of scope."""
    return (
        access.scope(user, Receipt.objects.select_related("institution__province", "created_by"))
        .prefetch_related(
            Prefetch("lines", queryset=ReceiptLine.objects.select_related("program", "cohort")),
            Prefetch("transitions", queryset=ReceiptTransition.objects.select_related("by")),
        )
        .get(pk=pk)
    )


def receipt_roster(*, receipt: Receipt) -> QuerySet[RosterEntry]:
    return receipt.roster.select_related("program").order_by("program__position", "row_number")


class ReceiptFilter(django_filters.FilterSet):
    """The coordinator inbox's filters; the same for the page and the API."""

    q = django_filters.CharFilter(
        field_name="institution__name", lookup_expr="icontains", label=_("学校")
    )
    status = django_filters.ChoiceFilter(choices=ReceiptStatus.choices, label=_("状态"))
    desk = django_filters.ChoiceFilter(choices=Desk.choices, label=_("条线"))
    province = django_filters.ModelChoiceFilter(
        field_name="institution__province", queryset=Province.objects.all(), label=_("省份")
    )
    program = django_filters.ModelChoiceFilter(
        field_name="lines__program",
        queryset=Program.objects.all(),
        label=_("培训班次"),
        distinct=True,
    )
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label=_("提交日期起")
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label=_("提交日期止")
    )

    class Meta:
        model = Receipt
        fields = ["q", "status", "desk", "province", "program", "submitted_from", "submitted_to"]


def roster_problems(receipt: Receipt) -> list[str]:
    """What stands between the roster and the receipt's headcounts (empty when they match)."""
    problems = []
    counts = {line.pk: 0 for line in receipt.lines.all()}
    for line_id in receipt.roster.values_list("line_id", flat=True):
        counts[line_id] += 1
    for line in receipt.lines.select_related("program"):
        if counts[line.pk] != line.participants:
            problems.append(
                _("「%(program)s」回执填报 %(expected)s 人，名单中有 %(actual)s 人。")
                % {
                    "program": line.program.name,
                    "expected": line.participants,
                    "actual": counts[line.pk],
                }
            )
    return problems


def receipt_status_counts(*, user: User) -> list[tuple[str, str, int]]:
    """(status, label, count) of the receipts ``user`` may see, in workflow order; one query."""
    counts = dict(
        access.scope(user, Receipt.objects.all())
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [
        (value, str(label), counts[value])
        for value, label in ReceiptStatus.choices
        if counts.get(value)
    ]
