"""Study-hour certificates (学时证明) of completed enrollments, and the cohort batches that issue
them or gather their PDFs into one zip.

A certificate is issued once per enrollment (the database holds it: one row per enrollment, a
unique serial, a unique token) and keeps the facts it certifies as they were when it was issued,
so that the PDF, a regenerated PDF and the public verification page all say the same thing.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel
from portal.validators import single_line_text

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def certificate_pdf_path(instance: "Certificate", filename: str) -> str:
    year = instance.issued_on.year if instance.issued_on else timezone.localdate().year
    return f"certificates/{year}/{instance.serial}.pdf"


def archive_path(instance: "CertificateBatch", filename: str) -> str:
    return f"certificates/archives/{timezone.localdate():%Y}/{instance.pk}-{new_token()[:12]}.zip"


class SerialCounter(models.Model):
    """The last sequence number given out in a year: its row is locked while the next is taken."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True, editable=False)
    last = models.PositiveIntegerField(_("已用序号"), default=0, editable=False)

    class Meta:
        verbose_name = _("证书编号计数")
        verbose_name_plural = _("证书编号计数")

    def __str__(self):
        return f"{self.year}: {self.last}"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")


class Certificate(TimeStampedModel):
    """A study-hour certificate of one completed enrollment."""

    serial = models.CharField(_("证书编号"), max_length=20, unique=True, editable=False)
    token = models.CharField(
        _("验证码"), max_length=64, unique=True, default=new_token, editable=False
    )
    enrollment = models.OneToOneField(
        "learners.Enrollment",
        verbose_name=_("选课记录"),
        on_delete=models.PROTECT,
        related_name="certificate",
        editable=False,
    )
    learner = models.ForeignKey(
        "portal.User",
        verbose_name=_("学员"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    program = models.ForeignKey(
        "courses.Program",
        verbose_name=_("培训班次"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    cohort = models.ForeignKey(
        "courses.Cohort",
        verbose_name=_("期次"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    # The facts as certified on the day of issue.
    learner_name = models.CharField(_("姓名"), max_length=50, editable=False)
    institution_name = models.CharField(_("所在单位"), max_length=100, editable=False)
    program_name = models.CharField(_("培训项目"), max_length=100, editable=False)
    period_start = models.DateField(_("学习开始日期"), editable=False)
    period_end = models.DateField(_("学习结束日期"), editable=False)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, editable=False)
    theory_hours = models.DecimalField(
        _("其中理论学时"), max_digits=5, decimal_places=1, editable=False
    )
    issued_on = models.DateField(_("发证日期"), editable=False)
    issuer = models.CharField(_("发证机构"), max_length=100, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        editable=False,
    )
    revoked_reason = models.CharField(
        _("撤销原因"), max_length=200, blank=True, validators=[single_line_text]
    )
    revoked_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("撤销人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)
    pdf = models.FileField(
        _("PDF 文件"), upload_to=certificate_pdf_path, max_length=200, blank=True, editable=False
    )
    pdf_rendered_at = models.DateTimeField(_("PDF 生成时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("学时证明")
        verbose_name_plural = _("学时证明")
        ordering = ["-issued_on", "-serial"]
        indexes = [models.Index(fields=["cohort", "status"], name="certificate_by_cohort")]
        constraints = [
            models.CheckConstraint(
                name="certificate_hours_valid",
                condition=Q(hours__gte=0, theory_hours__gte=0, theory_hours__lte=models.F("hours")),
                violation_error_message=_("学时不能为负数，理论学时不能超过总学时。"),
            ),
            models.CheckConstraint(
                name="certificate_period_ordered",
                condition=Q(period_end__gte=models.F("period_start")),
                violation_error_message=_("学习结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                name="certificate_revocation_recorded",
                condition=(
                    Q(
                        status=CertificateStatus.VALID,
                        revoked_at__isnull=True,
                        revoked_by__isnull=True,
                        revoked_reason="",
                    )
                    | (
                        Q(status=CertificateStatus.REVOKED, revoked_at__isnull=False)
                        & ~Q(revoked_reason="")
                    )
                ),
                violation_error_message=_(
                    "撤销的证书须写明撤销原因与时间，有效的证书不带撤销记录。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.serial} {self.learner_name}"

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


class BatchKind(models.TextChoices):
    ISSUE = "issue", _("批量发证")
    ARCHIVE = "archive", _("打包下载")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


UNFINISHED = (BatchStatus.PENDING, BatchStatus.RUNNING)


class CertificateBatch(TimeStampedModel):
    """Work on a whole cohort, done by a task with its progress here: issuing the certificate of
    every completed enrollment (the academy), or gathering the PDFs of a school's valid
    certificates into one zip (``institution`` set: only that school's enrollments). Running it
    again after a crash finishes it: every step is idempotent."""

    kind = models.CharField(_("类型"), max_length=16, choices=BatchKind.choices, editable=False)
    cohort = models.ForeignKey(
        "courses.Cohort",
        verbose_name=_("期次"),
        on_delete=models.PROTECT,
        related_name="certificate_batches",
        editable=False,
    )
    institution = models.ForeignKey(
        "enrollment.Institution",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("只含该单位报名的学员；空为整个期次。"),
    )
    requested_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=BatchStatus.choices,
        default=BatchStatus.PENDING,
        editable=False,
    )
    total = models.PositiveIntegerField(_("总数"), default=0, editable=False)
    done = models.PositiveIntegerField(_("已完成"), default=0, editable=False)
    issued = models.PositiveIntegerField(_("新发证书"), default=0, editable=False)
    skipped = models.PositiveIntegerField(
        _("未达要求"),
        default=0,
        editable=False,
        help_text=_("已结业但现在不满足考核要求、未发证书的人数。"),
    )
    archive = models.FileField(
        _("压缩包"), upload_to=archive_path, max_length=200, blank=True, editable=False
    )
    error = models.CharField(_("错误"), max_length=500, blank=True, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("证书批处理")
        verbose_name_plural = _("证书批处理")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="certificate_batch_progress_within_total",
                condition=Q(done__lte=models.F("total")),
                violation_error_message=_("已完成数不能超过总数。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.cohort_id} · {self.pk}"

    @property
    def percent(self) -> int:
        if self.status == BatchStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED
