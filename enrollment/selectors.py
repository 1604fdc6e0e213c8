import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override

from courses.models import Program
from enrollment.models import (
    OPEN_STATUSES,
    Institution,
    InstitutionType,
    Province,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptTransition,
    RosterEntry,
)
from portal import access
from portal.models import Desk, User
from portal.validators import SINGLE_LINE_PATTERN


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


def _text_filter(*, label, field_name, pattern, max_length, lookup_expr="exact", **kwargs):
    """A text filter whose rule (a pattern and a length) is enforced and documented alike."""
    text = django_filters.CharFilter(
        field_name=field_name,
        lookup_expr=lookup_expr,
        label=label,
        max_length=max_length,
        validators=[RegexValidator(pattern, _("筛选条件格式不正确。"))],
        **kwargs,
    )
    set_override(
        text,
        "field",
        {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern},
    )
    return text


class InstitutionFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=InstitutionType.choices, label=_("类型"))
    desk = django_filters.ChoiceFilter(choices=Desk.choices, label=_("条线"))
    province__code = _text_filter(
        label=_("省份代码"), field_name="province__code", pattern=r"^[0-9]{2}\Z", max_length=2
    )

    class Meta:
        model = Institution
        fields = ["type", "desk", "province__code"]


class ReceiptFilter(django_filters.FilterSet):
    """The coordinator inbox's filters; the same for the page and the API.

    Provinces and programs are named by their codes (``11``, ``activists``): one that matches no
    receipt finds none, like any other filter value.
    """

    q = _text_filter(
        label=_("学校"),
        field_name="institution__name",
        lookup_expr="icontains",
        pattern=SINGLE_LINE_PATTERN,
        max_length=100,
    )
    status = django_filters.ChoiceFilter(choices=ReceiptStatus.choices, label=_("状态"))
    desk = django_filters.ChoiceFilter(choices=Desk.choices, label=_("条线"))
    province = _text_filter(
        label=_("省份"),
        field_name="institution__province__code",
        pattern=r"^[0-9]{2}\Z",
        max_length=2,
        widget=forms.Select,
    )
    program = _text_filter(
        label=_("培训班次"),
        field_name="lines__program__code",
        pattern=r"^[-a-zA-Z0-9_]+\Z",
        max_length=40,
        distinct=True,
        widget=forms.Select,
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.form.fields["province"].widget.choices = everything + [
            (province.code, province.name) for province in province_list()
        ]
        self.form.fields["program"].widget.choices = everything + [
            (program.code, program.name) for program in Program.objects.order_by("position", "id")
        ]
        for field in self.form.fields.values():  # the inbox page's form, in Bootstrap's look
            small = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else ""
            field.widget.attrs.setdefault("class", small or "form-control form-control-sm")
        for name in ("submitted_from", "submitted_to"):
            widget = self.form.fields[name].widget
            widget.input_type, widget.format = "date", "%Y-%m-%d"


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


def cross_school_duplicates(*, receipt: Receipt) -> list[RosterEntry]:
    """People on ``receipt`` whom another school has already enrolled in the same program (on an
    open receipt or in a cohort), for the academy desk reviewing it; never shown to schools.

    Each entry carries ``other_schools``: the names of those schools. Three queries.
    """
    from learners.models import Enrollment

    entries = list(receipt.roster.select_related("program").order_by("row_number"))
    hashes = {entry.id_hash for entry in entries}
    programs = {entry.program_id for entry in entries}
    others: dict[tuple[int, str], set[str]] = {}
    on_receipts = (
        RosterEntry.objects.filter(
            id_hash__in=hashes, program_id__in=programs, receipt__status__in=OPEN_STATUSES
        )
        .exclude(receipt__institution_id=receipt.institution_id)
        .values_list("program_id", "id_hash", "receipt__institution__name")
    )
    in_cohorts = (
        Enrollment.objects.filter(
            learner__learner__id_hash__in=hashes, cohort__program_id__in=programs
        )
        .exclude(institution_id=receipt.institution_id)
        .values_list("cohort__program_id", "learner__learner__id_hash", "institution__name")
    )
    for program_id, id_hash, school in [*on_receipts, *in_cohorts]:
        others.setdefault((program_id, id_hash), set()).add(school)
    flagged = []
    for entry in entries:
        schools = others.get((entry.program_id, entry.id_hash))
        if schools:
            entry.other_schools = sorted(schools)  # type: ignore[attr-defined]
            flagged.append(entry)
    return flagged
