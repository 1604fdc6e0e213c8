from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel


class Enrollment(TimeStampedModel):
    """A learner's place in a cohort. One place per learner and cohort, held by the database."""

    cohort = models.ForeignKey(
        "courses.Cohort",
        verbose_name=_("期次"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    learner = models.ForeignKey(
        "portal.User", verbose_name=_("学员"), on_delete=models.PROTECT, related_name="enrollments"
    )

    class Meta:
        verbose_name = _("选课记录")
        verbose_name_plural = _("选课记录")
        ordering = ["cohort", "learner"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner"], name="enrollment_unique_place"),
        ]

    def __str__(self):
        return f"{self.learner} · {self.cohort}"
