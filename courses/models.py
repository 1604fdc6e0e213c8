from decimal import Decimal

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Role, TimeStampedModel
from portal.validators import DateWithin, between, multi_line_text, single_line_text

# The most people a cohort may hold (a workshop is further limited by its program).
MAX_COHORT_CAPACITY = 20_000


class Series(models.TextChoices):
    THEMATIC = "thematic", _("系列专题网络培训")
    SPECIAL = "special", _("重点专项培训服务")
    CUSTOM = "custom", _("委托定制培训")


class Category(models.TextChoices):
    MEMBER_DEVELOPMENT = "member_development", _("教职工党员发展与党性修养提升培训")
    SECRETARY_ONE = "secretary_one", _("基层党组织书记培训（“1”）")
    SECRETARY_N = "secretary_n", _("基层党组织书记培训（“N”）")
    SIMULATION = "simulation", _("党务情景模拟")
    WORKSHOP = "workshop", _("“双创”网络工作坊")
    BRANCH_STANDARDISATION = "branch_standardisation", _("党支部规范化建设")
    CUSTOM = "custom", _("委托定制")


class FeeRule(models.TextChoices):
    PER_PERSON_TOPIC = "per_person_topic", _("按人按专题")
    PER_WORKSHOP = "per_workshop", _("按坊")
    NEGOTIATED = "negotiated", _("协商确定")


class Program(TimeStampedModel):
    """A class of the yearly catalog (班次), with its fee rule and default hours."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(
        _("班次名称"), max_length=100, unique=True, validators=[single_line_text]
    )
    series = models.CharField(_("系列"), max_length=16, choices=Series.choices)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    audience = models.CharField(
        _("培训对象"), max_length=200, blank=True, validators=[single_line_text]
    )
    description = models.TextField(
        _("简介"),
        max_length=4000,
        blank=True,
        validators=[MaxLengthValidator(4000), multi_line_text],
    )
    fee_rule = models.CharField(_("收费方式"), max_length=20, choices=FeeRule.choices)
    fee_amount = models.DecimalField(
        _("收费标准（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=between(Decimal("0.01"), Decimal("10000000")),
    )
    max_participants = models.PositiveIntegerField(
        _("人数上限"),
        null=True,
        blank=True,
        help_text=_("每期（每坊）最多人数；空为不限。"),
        validators=between(1, MAX_COHORT_CAPACITY),
    )
    default_hours = models.DecimalField(
        _("默认学时"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=between(Decimal("0"), Decimal("500")),
    )
    catalog_year = models.PositiveSmallIntegerField(
        _("年度"), default=2026, validators=between(2020, 2100)
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0, validators=between(0, 9999))
    is_active = models.BooleanField(_("接受报名"), default=True)

    class Meta:
        verbose_name = _("培训班次")
        verbose_name_plural = _("培训班次")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                name="program_fee_matches_rule",
                condition=(
                    Q(fee_rule=FeeRule.NEGOTIATED, fee_amount__isnull=True)
                    | (
                        ~Q(fee_rule=FeeRule.NEGOTIATED)
                        & Q(fee_amount__isnull=False, fee_amount__gt=0)
                    )
                ),
                violation_error_message=_("协商收费的班次不填收费标准，其他班次须填写正数金额。"),
            ),
            models.CheckConstraint(
                name="program_max_participants_positive",
                condition=Q(max_participants__isnull=True) | Q(max_participants__gt=0),
                violation_error_message=_("人数上限须为正整数，或留空表示不限。"),
            ),
            models.CheckConstraint(
                name="program_default_hours_non_negative",
                condition=Q(default_hours__gte=0),
                violation_error_message=_("默认学时不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def fee_display(self) -> str:
        if self.fee_rule == FeeRule.PER_PERSON_TOPIC:
            return _("%(amount)s 元/人/专题") % {"amount": f"{self.fee_amount:,.0f}"}
        if self.fee_rule == FeeRule.PER_WORKSHOP:
            return _("%(amount)s 元/坊（不超过 %(max)s 人）") % {
                "amount": f"{self.fee_amount:,.0f}",
                "max": self.max_participants,
            }
        return str(_("根据学员规模、培训组织方式等协商确定"))


class SimulationStage(models.Model):
    """One of the five stages of joining the party, taught in the scenario simulation."""

    number = models.PositiveSmallIntegerField(_("序号"), unique=True, validators=between(1, 5))
    name = models.CharField(_("阶段"), max_length=64, validators=[single_line_text])

    class Meta:
        verbose_name = _("发展党员阶段")
        verbose_name_plural = _("发展党员阶段")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"


class SimulationStep(models.Model):
    """One of the 25 core steps of party-member development."""

    stage = models.ForeignKey(
        SimulationStage, verbose_name=_("阶段"), on_delete=models.CASCADE, related_name="steps"
    )
    number = models.PositiveSmallIntegerField(_("步骤序号"), unique=True, validators=between(1, 25))
    name = models.CharField(_("步骤"), max_length=64, validators=[single_line_text])

    class Meta:
        verbose_name = _("发展党员步骤")
        verbose_name_plural = _("发展党员步骤")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="simulation_step_number_range",
                condition=Q(number__gte=1, number__lte=25),
                violation_error_message=_("步骤序号应在 1 至 25 之间。"),
            ),
        ]

    def __str__(self):
        return f"({self.number}) {self.name}"


class Cohort(TimeStampedModel):
    """A scheduled run (期次) of a program; learners are enrolled into it.

    Study length is at most two months and a workshop holds at most its program's limit; both are
    checked by ``courses.services.cohort_validate``, the dates' order and a positive capacity here.
    """

    program = models.ForeignKey(
        Program, verbose_name=_("培训班次"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("期次名称"), max_length=100, validators=[single_line_text])
    start_date = models.DateField(
        _("开始日期"), validators=[DateWithin(days_before=365, days_after=730)]
    )
    end_date = models.DateField(
        _("结束日期"), validators=[DateWithin(days_before=365, days_after=800)]
    )
    capacity = models.PositiveIntegerField(_("容量"), validators=between(1, MAX_COHORT_CAPACITY))
    coordinator = models.ForeignKey(
        "portal.User",
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_cohorts",
        limit_choices_to={"role": Role.ACADEMY_COORDINATOR, "is_active": True},
        help_text=_("学院项目负责人。"),
    )

    class Meta:
        verbose_name = _("期次")
        verbose_name_plural = _("期次")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="cohort_end_after_start",
                condition=Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                name="cohort_capacity_positive",
                condition=Q(capacity__gt=0),
                violation_error_message=_("容量须为正整数。"),
            ),
            models.UniqueConstraint(
                fields=["program", "name"],
                name="cohort_unique_name",
                violation_error_message=_("该班次已有同名的期次，请换一个名称。"),
            ),
        ]

    def __str__(self):
        return f"{self.program.name} · {self.name}"
