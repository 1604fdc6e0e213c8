from django.urls import path
from rest_framework.routers import DefaultRouter

from courses.apis import CohortViewSet, ProgramViewSet
from enrollment.apis import InstitutionViewSet, ProvinceViewSet, ReceiptViewSet
from portal.apis import MeApi, TokenApi

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("programs", ProgramViewSet, basename="program")
router.register("provinces", ProvinceViewSet, basename="province")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("cohorts", CohortViewSet, basename="cohort")

app_name = "api"

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    *router.urls,
]
