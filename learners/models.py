from decimal import Decimal

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel
from portal.validators import DateWithin, between, multi_line_text, single_line_text


class HourCategory(models.TextChoices):
    """Which national hour requirement applies to a person (DOMAIN.md, "Hour requirements")."""

    MEMBER = "member", _("党员（5年不少于160学时）")
    SECRETARY = "secretary", _("基层党组织书记（5年不少于280学时，每年脱产培训不少于40学时）")
    NONE = "none", _("不作学时要求")


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
    # The one window that may count study time now (``learners.services.lessons``): a second tab
    # or device earns nothing while this one beats.
    study_tab = models.CharField(_("计时窗口"), max_length=32, blank=True, editable=False)
    study_beat_at = models.DateTimeField(_("最近计时"), null=True, blank=True, editable=False)
    # Her hour requirement: derived from the roster's post and party status when she is enrolled,
    # until her school corrects it (``hour_category_corrected``); then the school's word stands.
    hour_category = models.CharField(
        _("学时要求类别"), max_length=16, choices=HourCategory.choices, default=HourCategory.NONE
    )
    hour_exempt = models.BooleanField(
        _("免于学时要求"), default=False, help_text=_("年老体弱、行动不便等，不作硬性要求。")
    )
    hour_exempt_reason = models.CharField(
        _("免除原因"), max_length=100, blank=True, validators=[single_line_text]
    )
    hour_category_corrected = models.BooleanField(
        _("学时类别已由单位确认"), default=False, editable=False
    )
    # Her hours in the plan period, summed from her ledger by ``services.hours.hour_totals_refresh``
    # whenever an entry is written or removed (and for everyone by ``manage.py
    # hour_totals_refresh`` when the plan period changes): the dashboards read these, never the
    # entries. The transcript reads the entries themselves.
    period_hours = models.DecimalField(
        _("规划期内学时"), max_digits=9, decimal_places=1, default=0, editable=False
    )
    period_theory_hours = models.DecimalField(
        _("规划期内理论学时"), max_digits=9, decimal_places=1, default=0, editable=False
    )

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.id_masked})"


class EnrollmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("学习中")
    COMPLETED = "completed", _("已结业")


class Enrollment(TimeStampedModel):
    """A learner's place in a cohort. One place per learner and cohort, held by the database.

    It completes once, when every requirement of its program is met within the cohort's dates
    (``learners.services.completion``); the hours it earned are then fixed on it for the hour
    ledger and the certificate.
    """

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
    status = models.CharField(
        _("学习状态"),
        max_length=16,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.IN_PROGRESS,
        editable=False,
    )
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True, editable=False)
    hours_earned = models.DecimalField(
        _("获得学时"), max_digits=5, decimal_places=1, null=True, blank=True, editable=False
    )
    theory_hours_earned = models.DecimalField(
        _("其中理论学时"), max_digits=5, decimal_places=1, null=True, blank=True, editable=False
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
            models.CheckConstraint(
                name="enrollment_completion_recorded",
                condition=(
                    Q(
                        status=EnrollmentStatus.COMPLETED,
                        completed_at__isnull=False,
                        hours_earned__isnull=False,
                        theory_hours_earned__isnull=False,
                        theory_hours_earned__lte=models.F("hours_earned"),
                    )
                    | Q(
                        status=EnrollmentStatus.IN_PROGRESS,
                        completed_at__isnull=True,
                        hours_earned__isnull=True,
                        theory_hours_earned__isnull=True,
                    )
                ),
                violation_error_message=_(
                    "结业记录须同时写明结业时间与学时，理论学时不超过总学时。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.cohort}"


class LessonProgress(models.Model):
    """How far a learner has watched a lesson in one enrollment.

    ``watched_seconds`` is the furthest point she has reached by watching without a gap from the
    start: it grows only by time the server saw pass between heartbeats of the counting window, so
    seeking ahead, a faster playback rate or a second tab earn nothing. It never exceeds the
    video's length.
    """

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="lessons"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="+"
    )
    watched_seconds = models.PositiveIntegerField(_("已计时长（秒）"), default=0, editable=False)
    position_seconds = models.PositiveIntegerField(_("播放位置（秒）"), default=0, editable=False)
    tab = models.CharField(_("窗口"), max_length=32, blank=True, editable=False)
    beat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("学完时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("课程学习进度")
        verbose_name_plural = _("课程学习进度")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"],
                name="lesson_progress_unique",
                violation_error_message=_("该课程的学习进度已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.enrollment_id} · {self.lesson_id}"


class Post(TimeStampedModel):
    """A learner's post, or a reply, under a discussion topic. Plain text, shown escaped."""

    topic = models.ForeignKey(
        "courses.DiscussionTopic",
        verbose_name=_("研讨主题"),
        on_delete=models.CASCADE,
        related_name="posts",
    )
    author = models.ForeignKey(
        "portal.User", verbose_name=_("作者"), on_delete=models.PROTECT, related_name="posts"
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("选课记录"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        help_text=_("学员的帖子计入其研讨要求；学院老师的回复没有选课记录。"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("回复的帖子"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    body = models.TextField(
        _("内容"), max_length=5000, validators=[MaxLengthValidator(5000), multi_line_text]
    )
    is_hidden = models.BooleanField(_("已屏蔽"), default=False, editable=False)
    hidden_reason = models.CharField(
        _("屏蔽原因"), max_length=200, blank=True, validators=[single_line_text]
    )
    hidden_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("屏蔽人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("研讨帖子")
        verbose_name_plural = _("研讨帖子")
        ordering = ["topic", "created_at", "id"]
        indexes = [models.Index(fields=["enrollment", "is_hidden"], name="post_counted")]

    def __str__(self):
        return self.body[:40]


class EssayStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待批阅")
    PASSED = "passed", _("已通过")
    RETURNED = "returned", _("退回修改")


class Essay(TimeStampedModel):
    """The learner's reflection (心得): one per enrollment, passed or returned by a coordinator."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="essay"
    )
    title = models.CharField(_("题目"), max_length=120, validators=[single_line_text])
    body = models.TextField(
        _("正文"), max_length=20000, validators=[MaxLengthValidator(20000), multi_line_text]
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=EssayStatus.choices,
        default=EssayStatus.DRAFT,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, editable=False)
    revision = models.PositiveSmallIntegerField(_("提交次数"), default=0, editable=False)
    reviewed_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("批阅人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("批阅时间"), null=True, blank=True, editable=False)
    comment = models.TextField(
        _("批阅意见"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), multi_line_text],
    )

    class Meta:
        verbose_name = _("心得")
        verbose_name_plural = _("心得")
        ordering = ["-submitted_at", "id"]

    def __str__(self):
        return self.title


class ExamAttempt(models.Model):
    """One sitting of a program's exam: its questions are drawn when it starts; the server grades
    it when it is handed in or when its time runs out."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("第几次"), editable=False)
    started_at = models.DateTimeField(_("开始时间"), editable=False)
    deadline = models.DateTimeField(_("截止时间"), editable=False)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True, editable=False)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True, editable=False)
    passed = models.BooleanField(_("及格"), default=False, editable=False)

    class Meta:
        verbose_name = _("考试记录")
        verbose_name_plural = _("考试记录")
        ordering = ["enrollment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "number"],
                name="exam_attempt_unique_number",
                violation_error_message=_("该次考试已开始。"),
            ),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(submitted_at__isnull=True),
                name="exam_attempt_one_open",
                violation_error_message=_("已有一场进行中的考试。"),
            ),
        ]

    def __str__(self):
        return _("第 %(n)s 次考试") % {"n": self.number}


class AttemptAnswer(models.Model):
    """A drawn question of an attempt and what the learner chose."""

    attempt = models.ForeignKey(
        ExamAttempt, verbose_name=_("考试记录"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "courses.Question", verbose_name=_("试题"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("题号"), editable=False)
    chosen = models.ManyToManyField("courses.Choice", verbose_name=_("所选"), blank=True)
    is_correct = models.BooleanField(_("答对"), default=False, editable=False)

    class Meta:
        verbose_name = _("答题")
        verbose_name_plural = _("答题")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"],
                name="attempt_answer_unique_question",
                violation_error_message=_("同一场考试不会重复抽到一道题。"),
            ),
        ]

    def __str__(self):
        return f"{self.attempt_id} · {self.position}"


class AttendanceSource(models.TextChoices):
    COORDINATOR = "coordinator", _("老师登记")
    IMPORT = "import", _("导入")


class Attendance(models.Model):
    """A learner attended a live session."""

    session = models.ForeignKey(
        "courses.LiveSession",
        verbose_name=_("直播课"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="attendances"
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=AttendanceSource.choices, editable=False
    )
    recorded_by = models.ForeignKey(
        "portal.User", verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("直播出席")
        verbose_name_plural = _("直播出席")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrollment"],
                name="attendance_unique",
                violation_error_message=_("该学员的出席已登记。"),
            ),
        ]

    def __str__(self):
        return f"{self.session_id} · {self.enrollment_id}"


class StepProgress(models.Model):
    """A simulation step the learner has done, in order, with what she answered."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.ForeignKey(
        "courses.SimulationStep", verbose_name=_("步骤"), on_delete=models.PROTECT, related_name="+"
    )
    choice = models.ForeignKey(
        "courses.SimulationOption",
        verbose_name=_("所选做法"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    document = models.TextField(
        _("文书"),
        max_length=5000,
        blank=True,
        validators=[MaxLengthValidator(5000), multi_line_text],
    )
    tries = models.PositiveSmallIntegerField(_("尝试次数"), default=0, editable=False)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("情景模拟进度")
        verbose_name_plural = _("情景模拟进度")
        ordering = ["enrollment", "step__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "step"],
                name="step_progress_unique",
                violation_error_message=_("该步骤的进度已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.enrollment_id} · {self.step_id}"


class Evaluation(models.Model):
    """The learner's satisfaction survey (满意度测评) at the end of a cohort."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("选课记录"), on_delete=models.CASCADE, related_name="evaluation"
    )
    overall = models.PositiveSmallIntegerField(_("总体满意度"), validators=between(1, 5))
    content = models.PositiveSmallIntegerField(_("内容实用性"), validators=between(1, 5))
    organisation = models.PositiveSmallIntegerField(_("组织服务"), validators=between(1, 5))
    platform = models.PositiveSmallIntegerField(_("平台使用体验"), validators=between(1, 5))
    comment = models.TextField(
        _("意见建议"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), multi_line_text],
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")

    def __str__(self):
        return f"{self.enrollment_id}"


class LessonRating(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="lesson_ratings"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.PositiveSmallIntegerField(_("评分"), validators=between(1, 5))

    class Meta:
        verbose_name = _("课程评分")
        verbose_name_plural = _("课程评分")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "lesson"],
                name="lesson_rating_unique",
                violation_error_message=_("每门课程只评一次。"),
            ),
        ]

    def __str__(self):
        return f"{self.lesson_id}: {self.rating}"


class HourSource(models.TextChoices):
    PORTAL = "portal", _("本平台培训")
    RECOGNISED = "recognised", _("其他平台互认")
    OFF_JOB = "off_job", _("县级以上党委组织的脱产培训")


class HourEntry(models.Model):
    """One line of a person's training archive (电子培训档案): hours earned on a date, from this
    portal (a completed enrollment, once), a recognised platform (学时互认) or off-job training.
    Entries are never edited; a wrong one is removed and entered again."""

    learner = models.ForeignKey(
        Learner, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="hour_entries"
    )
    source = models.CharField(_("来源"), max_length=16, choices=HourSource.choices)
    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("选课记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hour_entry",
        editable=False,
    )
    title = models.CharField(_("培训项目"), max_length=120, validators=[single_line_text])
    platform = models.CharField(
        _("学习平台或组织单位"), max_length=100, blank=True, validators=[single_line_text]
    )
    completed_on = models.DateField(
        _("完成日期"), validators=[DateWithin(days_before=2000, days_after=0)]
    )
    hours = models.DecimalField(
        _("学时"),
        max_digits=5,
        decimal_places=1,
        validators=between(Decimal("0.1"), Decimal("500")),
    )
    theory_hours = models.DecimalField(
        _("其中理论学时"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=between(Decimal("0"), Decimal("500")),
    )
    # The same record imported twice is one entry: a digest of who, what, when, how many, where.
    record_key = models.CharField(
        _("记录标识"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        "portal.User",
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        ordering = ["learner", "completed_on", "id"]
        indexes = [models.Index(fields=["learner", "completed_on"], name="hour_entry_by_person")]
        constraints = [
            models.CheckConstraint(
                name="hour_entry_theory_within_hours",
                condition=Q(theory_hours__gte=0, theory_hours__lte=models.F("hours"), hours__gt=0),
                violation_error_message=_("学时须为正数，理论学时不能超过总学时。"),
            ),
            models.CheckConstraint(
                name="hour_entry_portal_has_enrollment",
                condition=Q(source=HourSource.PORTAL, enrollment__isnull=False)
                | (~Q(source=HourSource.PORTAL) & Q(enrollment__isnull=True)),
                violation_error_message=_(
                    "本平台的学时记录对应一次结业，其他来源的记录不对应选课。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.hours}"


class HourReminder(models.Model):
    """A school reminding one of its people that she is behind on her hours: shown on her study
    page, and emailed to her when she has an address (a Celery task after commit, sent once)."""

    learner = models.ForeignKey(
        Learner, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="hour_reminders"
    )
    institution = models.ForeignKey(
        "enrollment.Institution",
        verbose_name=_("提醒单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        "portal.User", verbose_name=_("提醒人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("学时提醒")
        verbose_name_plural = _("学时提醒")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "created_at"], name="hour_reminder_recent")]

    def __str__(self):
        return f"{self.learner_id} · {self.created_at:%Y-%m-%d}"
