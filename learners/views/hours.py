"""The learner's hour transcript (学时档案): her entries, totals per year and for the plan period
against her requirement, downloadable as .xlsx."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.exports import transcript_xlsx
from learners.hour_selectors import transcript
from learners.models import Learner
from portal.pdf import render_pdf


def _own_record(request) -> Learner:
    """The signed-in person's record; an account with none (staff, a coordinator) has no archive."""
    record = Learner.objects.filter(user_id=request.user.pk).first()
    if record is None:
        raise Http404
    return record


def year_bars(report) -> list:
    """Each year with its share of the best year, for the bars of the page and the PDF."""
    peak = max([year.hours for year in report.years] + [1])
    return [(year, round(100 * year.hours / peak)) for year in report.years]


def year_chart(report) -> dict:
    """The transcript chart's data: hours and theory hours per year, the running total, and the
    requirement as a line (when she has one)."""
    running, cumulative = 0, []
    for year in report.years:
        running += year.hours
        cumulative.append(float(running))
    return {
        "years": [str(year.year) for year in report.years],
        "hours": [float(year.hours) for year in report.years],
        "theory": [float(year.theory_hours) for year in report.years],
        "cumulative": cumulative,
        "required": float(report.required) if report.required else None,
        "labels": {
            "hours": _("学时"),
            "theory": _("其中理论学时"),
            "cumulative": _("累计学时"),
            "required": _("规划期要求"),
        },
    }


@login_required
def transcript_view(request):
    report = transcript(_own_record(request))
    return render(
        request,
        "learners/transcript.html",
        {"report": report, "bars": year_bars(report), "chart": year_chart(report)},
    )


@login_required
def transcript_pdf(request):
    report = transcript(_own_record(request))
    pdf = render_pdf(
        "learners/transcript_pdf.html",
        {"report": report, "bars": year_bars(report), "today": timezone.localdate()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="transcript-{report.learner.pk}-{timezone.localdate():%Y%m%d}.pdf"'
    )
    return response


@login_required
def transcript_export(request):
    return transcript_xlsx(transcript(_own_record(request)))


urlpatterns = [
    path("study/hours/", transcript_view, name="transcript"),
    path("study/hours/transcript.xlsx", transcript_export, name="transcript-xlsx"),
    path("study/hours/transcript.pdf", transcript_pdf, name="transcript-pdf"),
]
