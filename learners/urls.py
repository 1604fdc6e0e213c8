"""Study: each part's module keeps its own routes; they all live under the ``learners`` namespace."""

from learners.views import (
    cohorts,
    discussion,
    essays,
    exams,
    hours,
    lessons,
    live,
    simulation,
    study,
)

app_name = "learners"

urlpatterns = [
    *study.urlpatterns,
    *lessons.urlpatterns,
    *discussion.urlpatterns,
    *essays.urlpatterns,
    *exams.urlpatterns,
    *cohorts.urlpatterns,
    *simulation.urlpatterns,
    *live.urlpatterns,
    *hours.urlpatterns,
]
