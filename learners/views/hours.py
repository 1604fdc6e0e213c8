"""The learner's hour transcript (学时档案): her entries, totals per year and for the plan period
against her requirement, downloadable as .xlsx."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

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


@login_required
def transcript_view(request):
    report = transcript(_own_record(request))
    return render(
        request, "learners/transcript.html", {"report": report, "bars": year_bars(report)}
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
