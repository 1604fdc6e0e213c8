"""Hours from elsewhere (学时互认): the academy imports recognised platforms' records from a
spreadsheet, and a person's school (or the academy) enters her off-job training (脱产培训)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learners.models import HourEntry, HourSource, Learner
from learners.services.hours import (
    HOUR_IMPORT_MAX_ROWS,
    hour_entries_import,
    hour_entry_off_job_add,
    hour_import_template_xlsx,
    may_enter_hours_for,
)
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HourImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("学时记录文件（.xlsx）"),
        help_text=gettext_lazy("不超过 2 MB、5000 行；请按模板填写，第一行为表头。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )


class OffJobForm(forms.ModelForm):
    class Meta:
        model = HourEntry
        fields = ["title", "platform", "completed_on", "hours", "theory_hours"]
        labels = {
            "title": gettext_lazy("培训班名称"),
            "platform": gettext_lazy("组织单位（县级以上党委或其组织部门）"),
            "completed_on": gettext_lazy("结业日期"),
        }
        widgets = {"completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].required = True
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


@login_required
def hour_import_view(request):
    """The academy imports recognised hours, all rows or none."""
    if not access.is_academy(request.user):
        raise PermissionDenied
    form = HourImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = HourImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = hour_entries_import(file=form.cleaned_data["file"], by=request.user)
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _(
                            "已导入 %(added)s 条学时记录；%(skipped)s 条此前已导入，已跳过；"
                            "%(repeated)s 条在文件中重复，只计一次。"
                        )
                        % {
                            "added": result.added,
                            "skipped": result.skipped,
                            "repeated": result.repeated,
                        },
                    )
                    return redirect("learners:hour-import")
                errors = [str(error) for error in result.errors]
        status = 400
    return render(
        request,
        "learners/hour_import.html",
        {"form": form, "errors": errors, "max_rows": HOUR_IMPORT_MAX_ROWS},
        status=status,
    )


@login_required
def hour_import_template_view(request):
    if not access.is_academy(request.user):
        raise PermissionDenied
    response = HttpResponse(hour_import_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="recognised-hours-template.xlsx"'
    return response


def _person_or_404(request, pk: int) -> Learner:
    """The person, for those who may enter her hours; those who only see her are refused, the
    others find nothing."""
    person = Learner.objects.select_related("user__institution").filter(pk=pk).first()
    if person is None:
        raise Http404
    if may_enter_hours_for(request.user, person):
        return person
    if access.scope(request.user, Learner.objects.filter(pk=pk)).exists():
        raise PermissionDenied
    raise Http404


@login_required
def off_job_add_view(request, pk: int):
    """Her school (or the academy) enters a person's off-job training."""
    person = _person_or_404(request, pk)
    form = OffJobForm()
    status = 200
    if request.method == "POST":
        form = OffJobForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                hour_entry_off_job_add(
                    learner=person,
                    by=request.user,
                    title=data["title"],
                    organiser=data["platform"],
                    completed_on=data["completed_on"],
                    hours=data["hours"],
                    theory_hours=data["theory_hours"],
                )
            except ApplicationError as error:
                show_error(form, error)
            else:
                messages.success(
                    request,
                    _("已为 %(name)s 登记脱产培训 %(hours)s 学时。")
                    % {"name": person.name, "hours": data["hours"]},
                )
                return redirect("learners:off-job-add", pk=person.pk)
        status = 400
    entries = HourEntry.objects.filter(learner=person, source=HourSource.OFF_JOB).order_by(
        "-completed_on", "-id"
    )[:20]
    return render(
        request,
        "learners/off_job_form.html",
        {"person": person, "form": form, "entries": entries},
        status=status,
    )


urlpatterns = [
    path("hours/import/", hour_import_view, name="hour-import"),
    path("hours/import/template.xlsx", hour_import_template_view, name="hour-import-template"),
    path("people/<int:pk>/off-job/", off_job_add_view, name="off-job-add"),
]
