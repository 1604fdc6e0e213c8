from django.urls import path

from enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("institutions/", views.institution_list_view, name="institution-list"),
    path("institutions/<int:pk>/", views.institution_detail_view, name="institution-detail"),
]
