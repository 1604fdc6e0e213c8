from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<slug:code>/", views.program_detail, name="program-detail"),
]
