from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Desk, TimeStampedModel
from portal.validators import (
    DateWithin,
    between,
    mobile_number,
    multi_line_text,
    phone_number,
    postcode,
    single_line_text,
    taxpayer_id_checksum,
    taxpayer_id_format,
)

# The most people one receipt line (and one roster upload) may carry.
MAX_PARTICIPANTS = 20_000
# The longest study: two months from the start date is at most 62 days.
MAX_STUDY_DAYS = 62
MAX_TEXT = 2000


class Province(models.Model):
    """A provincial-level division, keyed by its GB/T 2260 code (e.g. 11 北京市)."""

    code = models.CharField(
        _("代码"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{2}\Z", _("省份代码应为 2 位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=32, unique=True, validators=[single_line_text])

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = _("省份")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="province_code_two_digits",
                condition=Q(code__regex=r"^\d{2}$"),
                violation_error_message=_("省份代码应为 2 位数字。"),
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

    name = models.CharField(_("单位名称"), max_length=100, validators=[single_line_text])
    code = models.CharField(
        _("学校标识码"),
        max_length=10,
        unique=True,
        help_text=_("教育部颁发的 10 位学校标识码。"),
        validators=[RegexValidator(r"^[0-9]{10}\Z", _("学校标识码应为 10 位数字。"))],
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
                name="institution_code_ten_digits",
                condition=Q(code__regex=r"^\d{10}$"),
                violation_error_message=_("学校标识码应为 10 位数字。"),
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


# A receipt in one of these still holds its people: they may not be enrolled again in its programs.
OPEN_STATUSES = (
    ReceiptStatus.DRAFT,
    ReceiptStatus.SUBMITTED,
    ReceiptStatus.RETURNED,
    ReceiptStatus.APPROVED,
    ReceiptStatus.SCHEDULED,
)


class Receipt(TimeStampedModel):
    """An enrollment receipt (参训回执): one school's request for training, with its roster."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("参训单位"), on_delete=models.PROTECT, related_name="receipts"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT
    )
    desk = models.CharField(_("受理条线"), max_length=16, choices=Desk.choices)
    department = models.CharField(_("填报部门"), max_length=100, validators=[single_line_text])
    trainee_categories = models.CharField(
        _("参训人员类别"), max_length=200, validators=[single_line_text]
    )
    leader_name = models.CharField(_("负责人姓名"), max_length=50, validators=[single_line_text])
    leader_title = models.CharField(_("负责人职务"), max_length=50, validators=[single_line_text])
    leader_mobile = models.CharField(_("负责人手机"), max_length=20, validators=[mobile_number])
    liaison_name = models.CharField(_("联系人姓名"), max_length=50, validators=[single_line_text])
    liaison_phone = models.CharField(_("联系人办公电话"), max_length=30, validators=[phone_number])
    liaison_mobile = models.CharField(_("联系人手机"), max_length=20, validators=[mobile_number])
    liaison_email = models.EmailField(_("联系人邮箱"))
    liaison_fax = models.CharField(_("传真"), max_length=30, blank=True, validators=[phone_number])
    postal_address = models.CharField(_("通讯地址"), max_length=200, validators=[single_line_text])
    postcode = models.CharField(_("邮编"), max_length=6, validators=[postcode])
    preferred_start_date = models.DateField(
        _("拟启动日期"), validators=[DateWithin(days_before=365, days_after=730)]
    )
    study_length_days = models.PositiveSmallIntegerField(
        _("学习时长（天）"),
        validators=between(1, MAX_STUDY_DAYS),
        help_text=_("原则上不超过 2 个月。"),
    )
    invoice_title = models.CharField(_("发票抬头"), max_length=100, validators=[single_line_text])
    taxpayer_id = models.CharField(
        _("纳税人识别号（统一社会信用代码）"),
        max_length=18,
        validators=[taxpayer_id_format, taxpayer_id_checksum],
    )
    suggestions = models.TextField(
        _("意见建议"),
        max_length=MAX_TEXT,
        blank=True,
        validators=[MaxLengthValidator(MAX_TEXT), multi_line_text],
    )
    filled_on = models.DateField(
        _("填表日期"), validators=[DateWithin(days_before=365, days_after=30)]
    )
    seal_scan = models.FileField(
        _("盖章回执扫描件"),
        upload_to="receipts/seals/%Y/%m/",
        blank=True,
        help_text=_("可选：加盖单位公章的回执扫描件（PDF、JPG 或 PNG，不超过 5 MB）。"),
    )
    created_by = models.ForeignKey(
        "portal.User", verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, editable=False)
    roster_consent_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("名单告知确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    roster_consent_at = models.DateTimeField(
        _("名单告知确认时间"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("参训回执")
        verbose_name_plural = _("参训回执")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["desk", "status"])]
        constraints = [
            models.CheckConstraint(
                name="receipt_study_length_positive",
                condition=Q(study_length_days__gt=0),
                violation_error_message=_("学习时长须为正整数。"),
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
    participants = models.PositiveIntegerField(
        _("参训人数"), validators=between(1, MAX_PARTICIPANTS)
    )
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
                fields=["receipt", "program"],
                name="receipt_line_unique_program",
                violation_error_message=_("同一培训班次只能填写一行。"),
            ),
            models.CheckConstraint(
                name="receipt_line_participants_positive",
                condition=Q(participants__gt=0),
                violation_error_message=_("参训人数须为正整数。"),
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
    comment = models.TextField(
        _("说明"),
        max_length=MAX_TEXT,
        blank=True,
        validators=[MaxLengthValidator(MAX_TEXT), multi_line_text],
    )
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True, editable=False)

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
    row_number = models.PositiveIntegerField(_("行号"), validators=between(1, 1_048_576))
    name = models.CharField(_("姓名"), max_length=50, validators=[single_line_text])
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    id_encrypted = models.TextField(_("身份证号（加密）"), editable=False)
    id_hash = models.CharField(_("身份证号摘要"), max_length=64, db_index=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    mobile = models.CharField(_("手机"), max_length=11, validators=[mobile_number])
    department = models.CharField(_("部门"), max_length=100, validators=[single_line_text])
    post = models.CharField(_("岗位/人员类别"), max_length=100, validators=[single_line_text])
    party_status = models.CharField(_("政治面貌"), max_length=16, choices=PartyStatus.choices)
    needs_review = models.BooleanField(_("待核实"), default=False)
    review_note = models.CharField(
        _("核实说明"), max_length=200, blank=True, validators=[single_line_text]
    )

    class Meta:
        verbose_name = _("名单人员")
        verbose_name_plural = _("名单人员")
        ordering = ["receipt", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "program", "id_hash"],
                name="roster_unique_person_per_program",
                violation_error_message=_("此人已在本回执的该班次名单中。"),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id_masked})"
