from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel
from portal.validators import single_line_text


class Learner(TimeStampedModel):
    """A person who studies: one per resident ID number, found again across receipts and years.

    The ID number is kept encrypted, with a keyed hash to find the person and a masked copy to show.
    ``initial_password_encrypted`` holds the first password until the learner changes it, so that
    the school that opened the account (``issued_by``) can hand it over; it is emptied at the first
    change, and no other school ever receives it.

    Her school (``user.institution``) is the school that enrolled her most recently: a person who
    changes jobs is enrolled by her new school. Each enrollment keeps the school that made it, so
    every school sees the history of its own enrollments, and only those.
    """

    user = models.OneToOneField(
        "portal.User", verbose_name=_("账号"), on_delete=models.PROTECT, related_name="learner"
    )
    name = models.CharField(_("姓名"), max_length=50, validators=[single_line_text])
    id_encrypted = models.TextField(_("身份证号（加密）"), editable=False)
    id_hash = models.CharField(_("身份证号摘要"), max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    initial_password_encrypted = models.TextField(_("初始密码（加密）"), blank=True, editable=False)
    issued_by = models.ForeignKey(
        "enrollment.Institution",
        verbose_name=_("开通账号的单位"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.id_masked})"


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
    institution = models.ForeignKey(
        "enrollment.Institution",
        verbose_name=_("报名单位"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        help_text=_("为其报名的学校：该校只看到自己报名的记录。"),
    )

    class Meta:
        verbose_name = _("选课记录")
        verbose_name_plural = _("选课记录")
        ordering = ["cohort", "learner"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "learner"],
                name="enrollment_unique_place",
                violation_error_message=_("该学员已在此期次中。"),
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.cohort}"
