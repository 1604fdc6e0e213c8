"""The learner's hour transcript (学时档案): her entries, totals per year and for the plan period
against her requirement, downloadable as .xlsx."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from enrollment.exports import transcript_xlsx
from learners.hour_selectors import transcript
from learners.models import Learner


def _own_record(request) -> Learner:
    """The signed-in person's record; an account with none (staff, a coordinator) has no archive."""
    record = Learner.objects.filter(user_id=request.user.pk).first()
    if record is None:
        raise Http404
    return record


@login_required
def transcript_view(request):
    report = transcript(_own_record(request))
    peak = max([year.hours for year in report.years] + [1])
    bars = [(year, round(100 * year.hours / peak)) for year in report.years]
    return render(request, "learners/transcript.html", {"report": report, "bars": bars})


@login_required
def transcript_export(request):
    return transcript_xlsx(transcript(_own_record(request)))


urlpatterns = [
    path("study/hours/", transcript_view, name="transcript"),
    path("study/hours/transcript.xlsx", transcript_export, name="transcript-xlsx"),
]
