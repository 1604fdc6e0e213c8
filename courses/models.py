from decimal import Decimal

from django.core.validators import FileExtensionValidator, MaxLengthValidator, URLValidator
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

    # What a learner must do to complete the program (考核要求), and how study becomes hours.
    require_all_lessons = models.BooleanField(_("须学完全部视频课程"), default=True)
    lesson_completion_percent = models.PositiveSmallIntegerField(
        _("每课最少观看比例（%）"),
        default=90,
        validators=between(50, 100),
        help_text=_("连续观看达到视频时长的这一比例，该课才算学完。"),
    )
    min_posts = models.PositiveSmallIntegerField(
        _("研讨最少发帖数"), default=0, validators=between(0, 50)
    )
    require_essay = models.BooleanField(_("须提交心得并通过"), default=False)
    essay_min_chars = models.PositiveIntegerField(
        _("心得最少字数"), default=800, validators=between(50, 20000)
    )
    require_exam = models.BooleanField(_("须通过在线考试"), default=False)
    exam_question_count = models.PositiveSmallIntegerField(
        _("每次考试题数"), default=20, validators=between(1, 200)
    )
    exam_time_limit_minutes = models.PositiveSmallIntegerField(
        _("考试时限（分钟）"), default=30, validators=between(1, 300)
    )
    exam_pass_score = models.PositiveSmallIntegerField(
        _("及格分（百分制）"), default=60, validators=between(1, 100)
    )
    exam_max_attempts = models.PositiveSmallIntegerField(
        _("考试次数上限"), default=3, validators=between(1, 20)
    )
    min_live_sessions = models.PositiveSmallIntegerField(
        _("直播最少出席场次"), default=0, validators=between(0, 100)
    )
    require_simulation = models.BooleanField(
        _("须完成情景模拟全部步骤"),
        default=False,
        help_text=_("党务情景模拟：按顺序完成发展党员工作的 25 个步骤。"),
    )
    activity_hours = models.DecimalField(
        _("研讨、心得、考试与模拟学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=between(Decimal("0"), Decimal("100")),
        help_text=_("完成全部要求时，视频与直播之外另计的学时。"),
    )
    activity_hours_theory = models.BooleanField(_("另计学时属于理论学时"), default=False)

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


class TaskKind(models.TextChoices):
    DECISION = "decision", _("决策")
    DOCUMENT = "document", _("文书")


class SimulationStep(models.Model):
    """One of the 25 core steps of party-member development."""

    stage = models.ForeignKey(
        SimulationStage, verbose_name=_("阶段"), on_delete=models.CASCADE, related_name="steps"
    )
    number = models.PositiveSmallIntegerField(_("步骤序号"), unique=True, validators=between(1, 25))
    name = models.CharField(_("步骤"), max_length=64, validators=[single_line_text])
    case = models.TextField(
        _("情景案例"),
        max_length=4000,
        blank=True,
        validators=[MaxLengthValidator(4000), multi_line_text],
    )
    task_kind = models.CharField(
        _("任务类型"), max_length=16, choices=TaskKind.choices, default=TaskKind.DECISION
    )
    task = models.TextField(
        _("任务"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), multi_line_text],
        help_text=_("决策题：要学员做出的判断；文书题：要学员起草的材料。"),
    )
    document_template = models.TextField(
        _("文书模板"),
        max_length=4000,
        blank=True,
        validators=[MaxLengthValidator(4000), multi_line_text],
        help_text=_("文书题给学员的起草框架。"),
    )
    document_min_chars = models.PositiveSmallIntegerField(
        _("文书最少字数"), default=100, validators=between(10, 5000)
    )
    document_keywords = models.CharField(
        _("文书须写明的要点"),
        max_length=200,
        blank=True,
        validators=[single_line_text],
        help_text=_("用顿号分隔，如：支部大会、表决、介绍人。文书须逐一写到。"),
    )

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


class SimulationOption(models.Model):
    """One answer of a decision step, with the feedback the learner reads after choosing it."""

    step = models.ForeignKey(
        SimulationStep, verbose_name=_("步骤"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0, validators=between(0, 99))
    text = models.CharField(_("选项"), max_length=300, validators=[single_line_text])
    is_correct = models.BooleanField(_("正确做法"), default=False)
    feedback = models.TextField(
        _("反馈"),
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000), multi_line_text],
    )

    class Meta:
        verbose_name = _("决策选项")
        verbose_name_plural = _("决策选项")
        ordering = ["step", "position", "id"]

    def __str__(self):
        return self.text


class HourBand(models.Model):
    """How a lesson's length becomes hours in a program: a lesson of at least ``min_minutes``
    minutes earns ``hours`` (the longest band it reaches); a shorter lesson earns nothing."""

    program = models.ForeignKey(
        Program, verbose_name=_("培训班次"), on_delete=models.CASCADE, related_name="hour_bands"
    )
    min_minutes = models.PositiveSmallIntegerField(
        _("课程时长不少于（分钟）"), validators=between(1, 600)
    )
    hours = models.DecimalField(
        _("计学时"),
        max_digits=3,
        decimal_places=1,
        validators=between(Decimal("0.1"), Decimal("20")),
    )

    class Meta:
        verbose_name = _("学时折算规则")
        verbose_name_plural = _("学时折算规则")
        ordering = ["program", "min_minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "min_minutes"],
                name="hour_band_unique_threshold",
                violation_error_message=_("该班次已有相同时长门槛的折算规则。"),
            ),
        ]

    def __str__(self):
        return _("≥%(minutes)s 分钟计 %(hours)s 学时") % {
            "minutes": self.min_minutes,
            "hours": self.hours,
        }


VIDEO_EXTENSIONS = ["mp4", "webm"]


class Lesson(TimeStampedModel):
    """A video lesson of a program. Its length is read from the file, its hours from the program's
    hour bands (``courses.services.lesson_save``)."""

    program = models.ForeignKey(
        Program, verbose_name=_("培训班次"), on_delete=models.CASCADE, related_name="lessons"
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0, validators=between(0, 999))
    title = models.CharField(_("课程名称"), max_length=120, validators=[single_line_text])
    speaker = models.CharField(
        _("主讲人"), max_length=100, blank=True, validators=[single_line_text]
    )
    description = models.TextField(
        _("简介"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), multi_line_text],
    )
    video = models.FileField(
        _("视频文件"),
        upload_to="lessons/%Y/",
        max_length=200,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("MP4（H.264）或 WebM 文件。"),
    )
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), editable=False, default=0)
    hours = models.DecimalField(
        _("学时"), max_digits=3, decimal_places=1, editable=False, default=Decimal("0")
    )
    is_theory = models.BooleanField(
        _("理论学时"), default=False, help_text=_("党的创新理论内容，计入理论学时。")
    )

    class Meta:
        verbose_name = _("视频课程")
        verbose_name_plural = _("视频课程")
        ordering = ["program", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "title"],
                name="lesson_unique_title",
                violation_error_message=_("该班次已有同名的课程。"),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"


class DiscussionTopic(TimeStampedModel):
    """A themed discussion (主题研讨) of a cohort: learners post and reply under it."""

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("期次"), on_delete=models.CASCADE, related_name="topics"
    )
    title = models.CharField(_("研讨主题"), max_length=120, validators=[single_line_text])
    prompt = models.TextField(
        _("研讨要求"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), multi_line_text],
    )
    is_open = models.BooleanField(_("开放发帖"), default=True)

    class Meta:
        verbose_name = _("研讨主题")
        verbose_name_plural = _("研讨主题")
        ordering = ["cohort", "id"]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Question(TimeStampedModel):
    """A question of a program's bank; each attempt draws its own set."""

    program = models.ForeignKey(
        Program, verbose_name=_("培训班次"), on_delete=models.CASCADE, related_name="questions"
    )
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(
        _("题干"), max_length=1000, validators=[MaxLengthValidator(1000), multi_line_text]
    )
    explanation = models.TextField(
        _("解析"),
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000), multi_line_text],
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["program", "id"]

    def __str__(self):
        return self.text[:40]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0, validators=between(0, 9))
    text = models.CharField(_("选项"), max_length=300, validators=[single_line_text])
    is_correct = models.BooleanField(_("正确答案"), default=False)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question", "position", "id"]

    def __str__(self):
        return self.text


class LiveSession(TimeStampedModel):
    """A live class (同步直播) of a cohort; attendance is recorded by a coordinator or imported."""

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("期次"), on_delete=models.CASCADE, related_name="live_sessions"
    )
    title = models.CharField(_("直播主题"), max_length=120, validators=[single_line_text])
    speaker = models.CharField(
        _("主讲人"), max_length=100, blank=True, validators=[single_line_text]
    )
    starts_at = models.DateTimeField(
        _("开始时间"), validators=[DateWithin(days_before=365, days_after=800)]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("时长（分钟）"), default=90, validators=between(10, 600)
    )
    link = models.URLField(
        _("直播链接"),
        max_length=300,
        validators=[URLValidator(schemes=["https"]), single_line_text],
    )
    hours = models.DecimalField(
        _("出席计学时"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("0"),
        validators=between(Decimal("0"), Decimal("20")),
    )
    is_theory = models.BooleanField(_("理论学时"), default=False)

    class Meta:
        verbose_name = _("直播课")
        verbose_name_plural = _("直播课")
        ordering = ["cohort", "starts_at", "id"]

    def __str__(self):
        return self.title
