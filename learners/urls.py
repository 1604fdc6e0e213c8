"""Study: each part's module keeps its own routes; they all live under the ``learners`` namespace."""

from learners.views import study

app_name = "learners"

urlpatterns = [
    *study.urlpatterns,
]
