import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from courses.models import (
    Choice,
    Cohort,
    DiscussionTopic,
    Lesson,
    LiveSession,
    Program,
    Question,
    QuestionKind,
)
from enrollment.models import Institution, InstitutionType, Province, desk_for_type
from learners.models import Enrollment
from portal.models import Desk, Role, User

PASSWORD = "correct-horse-battery-staple"


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试大学{n}")
    code = factory.Sequence(lambda n: f"41{n:08d}")
    type = InstitutionType.UNDERGRADUATE
    desk = factory.LazyAttribute(lambda o: desk_for_type(o.type))
    province = factory.LazyFunction(lambda: Province.objects.get(code="11"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class StaffFactory(UserFactory):
    role = Role.INSTITUTION_STAFF
    institution = factory.SubFactory(InstitutionFactory)


class LearnerFactory(UserFactory):
    role = Role.LEARNER
    institution = factory.SubFactory(InstitutionFactory)


class ProvincialCoordinatorFactory(UserFactory):
    role = Role.PROVINCIAL_COORDINATOR
    province = factory.LazyFunction(lambda: Province.objects.get(code="11"))


class AcademyCoordinatorFactory(UserFactory):
    role = Role.ACADEMY_COORDINATOR
    desk = Desk.UNDERGRADUATE
    is_staff = True


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.LazyFunction(lambda: Program.objects.get(code="party-affairs-staff"))
    name = factory.Sequence(lambda n: f"第{n}期")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=14))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=45))
    capacity = 30


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    learner = factory.SubFactory(LearnerFactory)
    institution = factory.LazyAttribute(lambda o: o.learner.institution)


class LessonFactory(DjangoModelFactory):
    """A lesson with a stand-in file (tests that play video use ``tests.media.real_video``)."""

    class Meta:
        model = Lesson

    program = factory.LazyFunction(lambda: Program.objects.get(code="party-affairs-staff"))
    title = factory.Sequence(lambda n: f"第{n}讲 党的创新理论")
    speaker = "王老师"
    video = factory.django.FileField(filename="lesson.webm", data=b"\x1aE\xdf\xa3 stand-in")
    duration_seconds = 1800
    hours = Decimal("1.0")
    is_theory = True


class DiscussionTopicFactory(DjangoModelFactory):
    class Meta:
        model = DiscussionTopic

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"研讨主题{n}：如何做好新时代高校党务工作")
    prompt = "结合本单位实际谈体会。"


class QuestionFactory(DjangoModelFactory):
    """A single-choice question whose first choice is right (``choices`` adds others)."""

    class Meta:
        model = Question
        skip_postgeneration_save = True  # the hook writes Choice rows, not the question

    program = factory.LazyFunction(lambda: Program.objects.get(code="party-affairs-staff"))
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"第{n}题：党的最高理想和最终目标是什么？")

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if not create:
            return
        if self.kind == QuestionKind.TRUE_FALSE:
            options = extracted or [("正确", True), ("错误", False)]
        else:
            options = extracted or [("实现共产主义", True), ("选项乙", False), ("选项丙", False)]
        for position, (text, correct) in enumerate(options):
            Choice.objects.create(question=self, position=position, text=text, is_correct=correct)


class LiveSessionFactory(DjangoModelFactory):
    class Meta:
        model = LiveSession

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"直播{n}：专家答疑")
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))
    link = "https://live.example.edu.cn/room/1"
    hours = Decimal("1.5")
