from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("学员与学习")

    def ready(self):
        from learners import receivers  # noqa: F401 - connects the signal receivers
