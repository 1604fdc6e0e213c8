"""Study: each part's module keeps its own routes; they all live under the ``learners`` namespace."""

from learners.views import (
    cohorts,
    dashboards,
    discussion,
    essays,
    exams,
    hour_imports,
    hours,
    lessons,
    live,
    privacy,
    reminders,
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
    *hour_imports.urlpatterns,
    *reminders.urlpatterns,
    *dashboards.urlpatterns,
    *privacy.urlpatterns,
]
