import logging
import os

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("用户、角色与审计")

    def ready(self):
        from django.conf import settings

        from portal import access, schema  # noqa: F401 - registers the schema extensions

        access.register_defaults()

        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info(
                "REDIS_URL is not set: Celery tasks run in-process (eager mode). "
                "Set REDIS_URL and start a worker for background processing."
            )
        else:
            logger.info("Celery tasks are sent to the broker at %s.", settings.CELERY_BROKER_URL)

        missing = [
            str(path)
            for path in (settings.PDF_SIGNING_KEY_FILE, settings.PDF_SIGNING_CERT_FILE)
            if not os.access(path, os.R_OK)
        ]
        if missing:
            logger.warning(
                "PDF signing files are not readable (%s): certificates cannot be issued until "
                "PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE name the academy's key and "
                "certificate (development: manage.py make_signing_pair).",
                ", ".join(missing),
            )


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin, guarded by ``portal.access`` like every other entrance."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
