from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<slug:code>/", views.program_detail, name="program-detail"),
    path(
        "catalog/<slug:code>/questions/import/",
        views.question_import_view,
        name="question-import",
    ),
    path(
        "catalog/<slug:code>/questions/template.xlsx",
        views.question_template_view,
        name="question-template",
    ),
    path("cohorts/", views.cohort_list_view, name="cohort-list"),
    path("cohorts/new/", views.cohort_create_view, name="cohort-create"),
    path("cohorts/<int:pk>/", views.cohort_detail_view, name="cohort-detail"),
    path("cohorts/<int:pk>/place/", views.cohort_place_view, name="cohort-place"),
    path("cohorts/<int:pk>/export.xlsx", views.cohort_export_view, name="cohort-export"),
]
