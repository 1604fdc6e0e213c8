from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("学时证明")

    def ready(self):
        from certificates import receivers  # noqa: F401 - connects the signal receivers
