from certificates.views import urlpatterns

app_name = "certificates"

__all__ = ["urlpatterns"]
