from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# MEDIA_URL is deliberately not routed: files are downloaded through views that check access.
urlpatterns = [
    path("", include("portal.urls")),
    path("", include("courses.urls")),
    path("", include("enrollment.urls")),
    path("", include("learners.urls")),
    path("", include("certificates.urls")),
    path("", include("billing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
