"""Live sessions: the learner's timetable, and the academy's sessions and attendance sheets."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort, LiveSession
from courses.selectors import cohort_list
from learners.live_selectors import (
    attended_among,
    cohort_sessions,
    learner_sessions,
    session_sheet,
)
from learners.services.live import (
    LIVE_FIELDS,
    attendance_import,
    attendance_save,
    live_session_create,
)
from learners.views.study import enrollment_or_404
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

SHEET_PAGE_SIZE = 50


@login_required
def live(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    rows = learner_sessions(enrollment)
    return render(
        request,
        "learners/live_list.html",
        {
            "enrollment": enrollment,
            "rows": rows,
            "attended": sum(1 for row in rows if row.attended),
            "hours": sum((row.session.hours for row in rows if row.attended), 0),
        },
    )


class LiveSessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = LiveSession
        fields = list(LIVE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "is_theory" else "form-control"
            field.widget.attrs.setdefault("class", css)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("出席名单（.xlsx）"),
        help_text=gettext_lazy("第一行为表头：账号（或身份证号）、姓名；每行一名出席的学员。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )


def _cohort_or_404(request, pk: int) -> Cohort:
    if not access.is_academy(request.user):
        raise PermissionDenied
    return get_object_or_404(cohort_list(user=request.user).select_related("program"), pk=pk)


@login_required
def cohort_live(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    form = LiveSessionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                session = live_session_create(
                    cohort=cohort,
                    by=request.user,
                    data={name: form.cleaned_data[name] for name in LIVE_FIELDS},
                )
            except ApplicationError as error:
                show_error(form, error)
            else:
                messages.success(request, _("已安排直播「%(title)s」。") % {"title": session.title})
                return redirect("learners:cohort-live", pk=pk)
        status = 400
    return render(
        request,
        "learners/live_cohort.html",
        {"cohort": cohort, "sessions": cohort_sessions(cohort), "form": form},
        status=status,
    )


def _int_list(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@login_required
def cohort_live_session(request, pk: int, session: int):
    cohort = _cohort_or_404(request, pk)
    live_session = get_object_or_404(LiveSession, pk=session, cohort=cohort)
    search = request.GET.get("q", "").strip()[:50]
    import_form = ImportForm()
    import_errors = []
    status = 200
    if request.method == "POST" and request.POST.get("action") == "import":
        import_form = ImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            try:
                result = attendance_import(
                    session=live_session, file=import_form.cleaned_data["file"], by=request.user
                )
            except ApplicationError as error:
                import_form.add_error("file", error.message)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _("已导入 %(n)s 名学员的出席，其中新登记 %(added)s 名。")
                        % {"n": result.matched, "added": result.added},
                    )
                    return redirect(request.get_full_path())
                import_errors = [str(e) for e in result.errors]
        status = 400
    elif request.method == "POST":
        try:
            added, removed = attendance_save(
                session=live_session,
                shown=_int_list(request.POST.getlist("shown")),
                present=_int_list(request.POST.getlist("present")),
                by=request.user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("出席已保存：新登记 %(added)s 名，撤销 %(removed)s 名。")
                % {"added": added, "removed": removed},
            )
        return redirect(request.get_full_path())
    page = Paginator(session_sheet(live_session, search=search), SHEET_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    present = attended_among(live_session, [e.pk for e in page.object_list])
    return render(
        request,
        "learners/live_session.html",
        {
            "cohort": cohort,
            "session": live_session,
            "page": page,
            "rows": [(e, e.pk in present) for e in page.object_list],
            "attended": live_session.attendances.count(),
            "search": search,
            "query": urlencode({"q": search}) if search else "",
            "import_form": import_form,
            "import_errors": import_errors,
        },
        status=status,
    )


urlpatterns = [
    path("study/<int:pk>/live/", live, name="live"),
    path("cohorts/<int:pk>/live/", cohort_live, name="cohort-live"),
    path("cohorts/<int:pk>/live/<int:session>/", cohort_live_session, name="cohort-live-session"),
]
