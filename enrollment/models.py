from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Desk, TimeStampedModel


class Province(models.Model):
    """A provincial-level division, keyed by its GB/T 2260 code (e.g. 11 北京市)."""

    code = models.CharField(_("代码"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = _("省份")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="province_code_two_digits", condition=Q(code__regex=r"^\d{2}$")
            ),
        ]

    def __str__(self):
        return self.name


class InstitutionType(models.TextChoices):
    UNDERGRADUATE = "undergraduate", _("本科")
    VOCATIONAL = "vocational", _("高职")
    PRIVATE = "private", _("民办")


def desk_for_type(institution_type: str) -> str:
    """A 民办 school is handled on the 本科 desk unless the coordinators set otherwise."""
    if institution_type == InstitutionType.VOCATIONAL:
        return Desk.VOCATIONAL
    return Desk.UNDERGRADUATE


class Institution(TimeStampedModel):
    """A university or college (参训单位); training is organised per institution."""

    name = models.CharField(_("单位名称"), max_length=100)
    code = models.CharField(
        _("学校标识码"),
        max_length=10,
        unique=True,
        help_text=_("教育部颁发的 10 位学校标识码。"),
    )
    type = models.CharField(_("类型"), max_length=16, choices=InstitutionType.choices)
    desk = models.CharField(
        _("受理条线"),
        max_length=16,
        choices=Desk.choices,
        help_text=_("本科院校由本科条线受理，高职院校由高职条线受理；民办院校按其层次选择。"),
    )
    province = models.ForeignKey(
        Province, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="institutions"
    )

    class Meta:
        verbose_name = _("参训单位")
        verbose_name_plural = _("参训单位")
        ordering = ["province__code", "name"]
        constraints = [
            models.CheckConstraint(
                name="institution_code_ten_digits", condition=Q(code__regex=r"^\d{10}$")
            ),
            models.CheckConstraint(
                name="institution_desk_follows_type",
                condition=Q(type=InstitutionType.PRIVATE)
                | Q(type=InstitutionType.UNDERGRADUATE, desk=Desk.UNDERGRADUATE)
                | Q(type=InstitutionType.VOCATIONAL, desk=Desk.VOCATIONAL),
                violation_error_message=_("本科院校归本科条线，高职院校归高职条线。"),
            ),
        ]

    def __str__(self):
        return self.name


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    SCHEDULED = "scheduled", _("已编班")


class Receipt(TimeStampedModel):
    """An enrollment receipt (参训回执): one school's request for training, with its roster."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("参训单位"), on_delete=models.PROTECT, related_name="receipts"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT
    )
    desk = models.CharField(_("受理条线"), max_length=16, choices=Desk.choices)
    department = models.CharField(_("填报部门"), max_length=100)
    trainee_categories = models.CharField(_("参训人员类别"), max_length=200)
    leader_name = models.CharField(_("负责人姓名"), max_length=50)
    leader_title = models.CharField(_("负责人职务"), max_length=50)
    leader_mobile = models.CharField(_("负责人手机"), max_length=20)
    liaison_name = models.CharField(_("联系人姓名"), max_length=50)
    liaison_phone = models.CharField(_("联系人办公电话"), max_length=30)
    liaison_mobile = models.CharField(_("联系人手机"), max_length=20)
    liaison_email = models.EmailField(_("联系人邮箱"))
    liaison_fax = models.CharField(_("传真"), max_length=30, blank=True)
    postal_address = models.CharField(_("通讯地址"), max_length=200)
    postcode = models.CharField(_("邮编"), max_length=6)
    preferred_start_date = models.DateField(_("拟启动日期"))
    study_length_days = models.PositiveSmallIntegerField(_("学习时长（天）"))
    invoice_title = models.CharField(_("发票抬头"), max_length=100)
    taxpayer_id = models.CharField(_("纳税人识别号（统一社会信用代码）"), max_length=18)
    suggestions = models.TextField(_("意见建议"), blank=True)
    filled_on = models.DateField(_("填表日期"))
    seal_scan = models.FileField(
        _("盖章回执扫描件"),
        upload_to="receipts/seals/%Y/%m/",
        blank=True,
        help_text=_("可选：加盖单位公章的回执扫描件（PDF、JPG 或 PNG，不超过 5 MB）。"),
    )
    created_by = models.ForeignKey(
        "portal.User", verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    roster_consent_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("名单告知确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    roster_consent_at = models.DateTimeField(_("名单告知确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参训回执")
        verbose_name_plural = _("参训回执")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["desk", "status"])]
        constraints = [
            models.CheckConstraint(
                name="receipt_study_length_positive", condition=Q(study_length_days__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.institution.name} · {_('回执')} #{self.pk}"


class ReceiptLine(models.Model):
    """One program requested on a receipt, with its number of participants."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("参训回执"), on_delete=models.CASCADE, related_name="lines"
    )
    program = models.ForeignKey(
        "courses.Program", verbose_name=_("培训班次"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.PositiveIntegerField(_("参训人数"))
    cohort = models.ForeignKey(
        "courses.Cohort",
        verbose_name=_("编入期次"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_lines",
    )

    class Meta:
        verbose_name = _("回执班次")
        verbose_name_plural = _("回执班次")
        ordering = ["receipt", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "program"], name="receipt_line_unique_program"
            ),
            models.CheckConstraint(
                name="receipt_line_participants_positive", condition=Q(participants__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.program} × {self.participants}"


class ReceiptTransition(models.Model):
    """One step of a receipt's history: who moved it from which status to which, and why."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("参训回执"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=ReceiptStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ReceiptStatus.choices)
    by = models.ForeignKey(
        "portal.User", verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("说明"), blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回执流转记录")
        verbose_name_plural = _("回执流转记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.receipt_id}: {self.from_status} → {self.to_status}"


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PartyStatus(models.TextChoices):
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    MEMBER = "member", _("正式党员")


class RosterEntry(models.Model):
    """One person on a receipt's roster (名单), for one of its programs.

    The resident ID number is kept encrypted with a keyed hash beside it; only ``id_masked`` is shown.
    """

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("参训回执"), on_delete=models.CASCADE, related_name="roster"
    )
    line = models.ForeignKey(
        ReceiptLine, verbose_name=_("回执班次"), on_delete=models.CASCADE, related_name="roster"
    )
    program = models.ForeignKey(
        "courses.Program", verbose_name=_("培训班次"), on_delete=models.PROTECT, related_name="+"
    )
    row_number = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    id_encrypted = models.TextField(_("身份证号（加密）"))
    id_hash = models.CharField(_("身份证号摘要"), max_length=64, db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    mobile = models.CharField(_("手机"), max_length=11)
    department = models.CharField(_("部门"), max_length=100)
    post = models.CharField(_("岗位/人员类别"), max_length=100)
    party_status = models.CharField(_("政治面貌"), max_length=16, choices=PartyStatus.choices)
    needs_review = models.BooleanField(_("待核实"), default=False)
    review_note = models.CharField(_("核实说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("名单人员")
        verbose_name_plural = _("名单人员")
        ordering = ["receipt", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "program", "id_hash"], name="roster_unique_person_per_program"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id_masked})"
