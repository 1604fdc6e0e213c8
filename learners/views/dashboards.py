"""The hour dashboards (学时统计): a school's people against their requirement, who is behind and
its cohorts; a province per school, an academy desk per school of the desk. And one person's
transcript as her school sees it, where the school corrects her requirement."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.exports import xlsx_response
from learners.dashboard_selectors import (
    STANDINGS,
    dashboard_people_hours,
    hours_dashboard,
    may_correct,
    may_see_dashboard,
    overseen_person,
)
from learners.hour_selectors import Standing, transcript
from learners.models import HourCategory
from learners.services.hours import learner_hour_profile_update
from learners.views.hours import year_bars
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

BEHIND_PER_PAGE = 20


@login_required
def dashboard_view(request):
    if not may_see_dashboard(request.user):
        raise PermissionDenied
    board = hours_dashboard(request.user)
    chart = {
        "standings": [str(Standing.LABELS[s]) for s in STANDINGS],
        "counts": [board.counts[s] for s in STANDINGS],
        "schools": [row.name for row in board.schools[:30]],
        "schoolSeries": [
            {"name": str(Standing.LABELS[s]), "data": [row.counts[s] for row in board.schools[:30]]}
            for s in STANDINGS
        ],
    }
    counts = [(s, Standing.LABELS[s], board.counts[s]) for s in STANDINGS]
    page = Paginator(board.behind, BEHIND_PER_PAGE).get_page(request.GET.get("page"))
    school_scope = board.scope == "school"
    remind_url = _optional_url("learners:hours-remind") if school_scope and len(page) else None
    rows = _behind_rows(page.object_list, selectable=bool(remind_url), with_school=not school_scope)
    return render(
        request,
        "learners/dashboard_hours.html",
        {
            "board": board,
            "counts": counts,
            "chart": chart,
            "page": page,
            "rows": rows,
            "school_scope": school_scope,
            # The school reminds the people behind (when the reminders are installed).
            "remind_url": remind_url,
            # The academy imports recognised hours from here.
            "import_url": _optional_url("learners:hour-import")
            if access.is_academy(request.user)
            else None,
        },
    )


def _behind_rows(people, *, selectable: bool, with_school: bool) -> list[SafeString]:
    """The table rows of a page of people behind, escaped by ``format_html``. Built here rather
    than in the template: a page of rows costs a tenth of the template's time, and this page must
    stay within 5x a trivial page (``make bench-dashboard``)."""
    person_url = _url_for_each("learners:person-hours")
    off_job_url = _url_for_each("learners:off-job-add") if not with_school else None
    due_label, archive_label = _("按进度至今应达"), _("学时档案")
    off_job_label = _("登记脱产培训")
    rows = []
    for person in people:
        cells = [
            format_html(
                '<td><input class="form-check-input" type="checkbox" name="learner" value="{}" '
                'aria-label="{}" checked></td>',
                person.pk,
                person.name,
            )
            if selectable
            else "",
            format_html('<td class="small">{}</td>', person.school_name) if with_school else "",
            format_html(
                '<td>{}</td><td class="small">{}</td><td class="small">{}</td>'
                '<td>{} / {}<div class="small text-secondary">{} {}</div></td>',
                person.name,
                person.id_masked,
                person.category_label,
                person.total,
                person.required,
                due_label,
                f"{person.due:.1f}" if person.due is not None else "",
            ),
        ]
        links = format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
            person_url(person.pk) if person_url else "",
            archive_label,
        )
        if off_job_url and person.category == HourCategory.SECRETARY:
            links += format_html(
                ' <a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
                off_job_url(person.pk),
                off_job_label,
            )
        cells.append(format_html('<td class="text-end text-nowrap">{}</td>', links))
        rows.append(format_html("<tr>{}{}{}{}</tr>", *cells))
    return rows


def _url_for_each(name: str):
    """``pk -> reverse(name, args=[pk])`` for a page of rows, reversing once: a route of one integer
    argument differs between rows by that integer only."""
    marker = 2**62 + 12345
    try:
        pattern = reverse(name, args=[marker])
    except NoReverseMatch:
        return None
    head, tail = pattern.split(str(marker), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def _optional_url(name: str, *args) -> str | None:
    """A URL of another part of the hour ledger, or None while that part is not there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
def dashboard_export(request):
    if not may_see_dashboard(request.user):
        raise PermissionDenied
    headers = [
        _("单位"), _("姓名"), _("身份证号"), _("学时要求类别"), _("期内学时"), _("其中理论学时"),
        _("应达学时"), _("状态"),
    ]  # fmt: skip
    rows = (
        [
            p.school_name,
            p.name,
            p.id_masked,
            p.category_label,
            float(p.total),
            float(p.theory),
            float(p.required) if p.required is not None else "",
            p.standing_label,
        ]
        for p in dashboard_people_hours(request.user)
    )
    return xlsx_response(
        filename=f"hours-{timezone.localdate():%Y%m%d}.xlsx",
        title=_("学时统计"),
        headers=headers,
        rows=rows,
    )


class HourProfileForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("学时要求类别"),
        choices=HourCategory.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    exempt = forms.BooleanField(
        label=gettext_lazy("免于学时要求"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("免除原因"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("年老体弱、行动不便等。"),
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


@login_required
def person_hours(request, pk: int):
    person = overseen_person(request.user, pk)
    if person is None:
        raise Http404
    editable = may_correct(request.user, person)
    initial = {
        "category": person.hour_category,
        "exempt": person.hour_exempt,
        "reason": person.hour_exempt_reason,
    }
    form = HourProfileForm(initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = HourProfileForm(request.POST)
        if form.is_valid():
            try:
                learner_hour_profile_update(
                    learner=person,
                    by=request.user,
                    category=form.cleaned_data["category"],
                    exempt=form.cleaned_data["exempt"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                if error.status == 403:
                    raise PermissionDenied(error.message) from None
                show_error(form, error)
                person = overseen_person(request.user, pk) or person  # as stored, not as refused
            else:
                messages.success(request, _("已更新该学员的学时要求。"))
                return redirect("learners:person-hours", pk=person.pk)
    report = transcript(person)
    return render(
        request,
        "learners/dashboard_person.html",
        {
            "report": report,
            "bars": year_bars(report),
            "form": form,
            "editable": editable,
            "may_erase": access.is_academy(request.user),
        },
    )


urlpatterns = [
    path("hours/", dashboard_view, name="hours-dashboard"),
    path("hours/hours.xlsx", dashboard_export, name="hours-dashboard-xlsx"),
    path("people/<int:pk>/hours/", person_hours, name="person-hours"),
]
